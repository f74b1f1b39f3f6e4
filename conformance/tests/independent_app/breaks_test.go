package main

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var breaksCall = regexp.MustCompile(`breaks\("([^"]+)"\)`)

// Every name in knownBreaks is broken somewhere, and every break in the code
// is a known name: a misspelt one would silently break nothing.
func TestEveryKnownBreakIsUsedAndEveryUsedBreakIsKnown(t *testing.T) {
	used := map[string]bool{}
	files, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f.Name(), ".go") || strings.HasSuffix(f.Name(), "_test.go") {
			continue
		}
		text, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range breaksCall.FindAllStringSubmatch(string(text), -1) {
			used[m[1]] = true
		}
	}
	known := map[string]bool{}
	for _, name := range knownBreaks {
		if known[name] {
			t.Errorf("%s is listed twice", name)
		}
		known[name] = true
		if !used[name] {
			t.Errorf("%s is listed but nothing breaks it", name)
		}
	}
	var unknown []string
	for name := range used {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		t.Errorf("broken in the code but not listed: %v", unknown)
	}
}

func TestAnUnknownBreakIsRefusedAndNoneBreaksNothing(t *testing.T) {
	defer func() { activeBreak = "" }()
	if err := chooseBreak("no-such-rule"); err == nil || !strings.Contains(err.Error(), "report-not-clipped") {
		t.Errorf("an unknown name must be refused with the list of known ones, got %v", err)
	}
	if err := chooseBreak(""); err != nil || breaks("report-not-clipped") {
		t.Errorf("no name must break nothing: %v", err)
	}
	if err := chooseBreak("report-not-clipped"); err != nil || !breaks("report-not-clipped") || breaks("if-match-ignored") {
		t.Errorf("a known name must break that rule alone: %v", err)
	}
}
