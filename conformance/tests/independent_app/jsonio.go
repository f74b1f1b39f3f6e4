package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxBody is the largest request body the API reads (64 KiB).
const maxBody = 65536

// object is a request body that is a JSON object: its members, still raw.
type object map[string]json.RawMessage

// readObject reads a JSON object body. The checks run in this order: size
// (413), media type (415), syntax (400), shape (422). When the body is
// optional and nothing was sent, it answers (nil, nil).
func readObject(r *http.Request, optional bool) (object, error) {
	limit := int64(maxBody)
	if breaks("body-limit-one-mebibyte") {
		limit = 1 << 20
	}
	if breaks("body-limit-65536-too-large") {
		limit = maxBody - 1
	}
	if r.ContentLength > limit {
		return nil, tooLarge()
	}
	if breaks("body-limit-by-content-length-only") {
		limit = 16 << 20 // only Content-Length is judged: a chunked body is read whole
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge()
		}
		return nil, &apiError{status: http.StatusBadRequest, detail: "The request body could not be read."}
	}
	if int64(len(raw)) > limit {
		return nil, tooLarge()
	}
	contentType := r.Header.Get("Content-Type")
	if optional && len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	if !isJSONMediaType(contentType) && !(breaks("missing-content-type-parsed") && contentType == "") {
		detail := "This operation reads JSON: send the body with Content-Type: application/json."
		if contentType != "" {
			detail = "The media type " + quoteMedia(contentType) + " is not accepted here; send application/json."
		}
		return nil, &apiError{status: http.StatusUnsupportedMediaType, detail: detail}
	}
	if !utf8.Valid(raw) || !json.Valid(raw) {
		return nil, &apiError{status: http.StatusBadRequest, detail: "The request body is not well-formed JSON."}
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, invalid(fieldError{Field: "body", Message: "must be a JSON object, such as {\"name\": \"...\"}"})
	}
	var obj object
	if err := json.Unmarshal(trimmed, &obj); err != nil {
		return nil, &apiError{status: http.StatusBadRequest, detail: "The request body is not well-formed JSON."}
	}
	return obj, nil
}

func tooLarge() *apiError {
	return &apiError{status: http.StatusRequestEntityTooLarge,
		detail: fmt.Sprintf("Request bodies are limited to %d bytes.", maxBody)}
}

func quoteMedia(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// isJSONMediaType compares the media type alone, so parameters such as
// charset do not matter.
func isJSONMediaType(header string) bool {
	if strings.TrimSpace(header) == "" {
		return false
	}
	if breaks("charset-parameter-refused") {
		return strings.EqualFold(strings.TrimSpace(header), "application/json")
	}
	mediaType, _, err := mime.ParseMediaType(header)
	if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return false
	}
	if breaks("media-type-case-sensitive") {
		// mime.ParseMediaType lowers the case; a hand-written comparison does not.
		return strings.HasPrefix(strings.TrimSpace(header), "application/json")
	}
	return mediaType == "application/json"
}

// has tells whether the member is present, null or not.
func (o object) has(name string) bool {
	_, ok := o[name]
	return ok
}

// isNull tells whether a present member is JSON null.
func (o object) isNull(name string) bool {
	raw, ok := o[name]
	return ok && bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// str reads a member that must be a JSON string.
func (o object) str(name string) (string, bool) {
	raw, ok := o[name]
	if !ok {
		return "", false
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// integer reads a member that must be a JSON number with an integral value
// (1, 1.0 and 1e2 are integers, as in JSON Schema). ok is false for anything
// else; big values come back as out of range through the bounds check.
func (o object) integer(name string, min, max int64) (value int64, isInt bool, inRange bool) {
	raw := bytes.TrimSpace(o[name])
	if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return 0, false, false
	}
	// A huge exponent would make big.Rat build an enormous power of ten; no
	// such number is a sensible integer here, so it is simply out of range.
	if i := bytes.IndexAny(raw, "eE"); i >= 0 {
		exp, err := strconv.Atoi(strings.TrimPrefix(string(raw[i+1:]), "+"))
		if err != nil || exp > 1000 || exp < -1000 {
			return 0, true, false
		}
	}
	var rat big.Rat
	if _, ok := rat.SetString(string(raw)); !ok {
		return 0, false, false
	}
	if !rat.IsInt() {
		return 0, false, false
	}
	n := rat.Num()
	if n.Cmp(big.NewInt(min)) < 0 || n.Cmp(big.NewInt(max)) > 0 {
		return 0, true, false
	}
	return n.Int64(), true, true
}

// textProblem checks a piece of text against the API's rules for all text:
// no NUL, and at most max characters (code points) when max > 0.
func textProblem(s string, max int) string {
	if strings.ContainsRune(s, 0) {
		return "must not contain the NUL character (U+0000)"
	}
	if max > 0 && utf8.RuneCountInString(s) > max {
		return fmt.Sprintf("must be at most %d characters long", max)
	}
	return ""
}

// optionalText reads a member that may be absent, null or a string of at
// most max characters. set tells whether it was given at all.
func (o object) optionalText(name string, max int, errs *fieldErrors) (value *string, set bool) {
	if !o.has(name) {
		return nil, false
	}
	if o.isNull(name) {
		return nil, true
	}
	s, ok := o.str(name)
	if !ok {
		errs.add(name, "must be a string or null")
		return nil, true
	}
	if msg := textProblem(s, max); msg != "" {
		errs.add(name, msg)
		return nil, true
	}
	return &s, true
}
