package opindex

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/types"
)

// ContentType checks data, the encoded body of op, sent as a patch of
// type pt (a merge patch when "") when op is a patch, and returns its
// content type. It fails on a patch type op does not accept, a patch type
// given for an operation that is no patch, a body that is not JSON (an
// apply patch may be YAML too) and a JSON patch that is not a list.
func ContentType(op *Operation, pt types.PatchType, data []byte) (string, error) {
	ct := "application/json"
	if op.Action == "patch" {
		if pt == "" {
			pt = types.MergePatchType
		}
		if !slices.Contains(op.Body.ContentTypes, string(pt)) {
			return "", fmt.Errorf("patch type %s is not accepted; the server accepts %s", pt, strings.Join(op.Body.ContentTypes, ", "))
		}
		ct = string(pt)
		if pt == types.ApplyYAMLPatchType {
			return ct, nil // YAML or JSON; the server parses it
		}
	} else if pt != "" {
		return "", fmt.Errorf("PatchAs given, but this is not a patch operation")
	}
	if !json.Valid(data) {
		return "", fmt.Errorf("the body is not valid JSON")
	}
	if types.PatchType(ct) == types.JSONPatchType && !strings.HasPrefix(strings.TrimSpace(string(data)), "[") {
		return "", fmt.Errorf("a JSON patch body must be a list of operations")
	}
	return ct, nil
}
