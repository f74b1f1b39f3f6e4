// Reading a request body the way the spec wants: JSON only (415 otherwise), a 400 for anything that is
// not a JSON object, and no type coercion (json.RawMessage keeps each member as it came).
package main

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
)

const maxBodyBytes = 1 << 20

// readJSONObject answers the problem itself and returns false when the body is not a JSON object.
// Decode each member with json.Unmarshal into the type it should have, and collect every field that
// fails, so that the 422 problem lists them all.
func readJSONObject(w http.ResponseWriter, r *http.Request) (map[string]json.RawMessage, bool) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		writeProblem(w, http.StatusUnsupportedMediaType, "Send the body as application/json.")
		return nil, false
	}
	decoder := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var object map[string]json.RawMessage
	if err := decoder.Decode(&object); err != nil || object == nil || decoder.Decode(new(any)) != io.EOF {
		writeProblem(w, http.StatusBadRequest, "The body is not a JSON object.")
		return nil, false
	}
	return object, true
}
