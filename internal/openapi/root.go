// Package openapi reads the Kubernetes API server's OpenAPI v3 documents:
// the root (GET /openapi/v3), which lists one document per group-version
// and a few more, and each document, of which it keeps only what calling an
// operation needs. Bytes in, plain records out; fetching and caching them
// is the caller's business.
package openapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// DocRef is one document the root lists: where to fetch it and what its
// operationIds are called.
type DocRef struct {
	Key  string // "api/v1", "apis/apps/v1", "apis/apps", "version", ".well-known/openid-configuration"
	Path string // the URL path to GET, "/openapi/v3/api/v1"
	Hash string // the value of its hash query parameter, "" if none
	// Group, Version and GroupVersion ("apps", "v1", "apps/v1"; "", "v1",
	// "v1" for the core group) are set for a group-version's document only.
	Group, Version, GroupVersion string
	// Token is what the document's operationIds carry after their verb:
	// "CoreV1", "AppsV1", "Apps" (apis/apps), "" (version, apis, …).
	Token string
}

// ParseRoot reads the root document, GET /openapi/v3, into the documents it
// lists, sorted by Key. Entries whose address cannot be parsed are left
// out. It fails when data is not the root document's JSON.
func ParseRoot(data []byte) ([]DocRef, error) {
	var root struct {
		Paths map[string]struct {
			URL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("decoding the OpenAPI root: %w", describe(data, err))
	}
	if root.Paths == nil {
		return nil, fmt.Errorf("decoding the OpenAPI root: no \"paths\" object")
	}
	refs := make([]DocRef, 0, len(root.Paths))
	for key, p := range root.Paths {
		u, err := url.Parse(p.URL)
		if err != nil || u.Path == "" {
			continue
		}
		r := DocRef{Key: key, Path: u.Path, Hash: u.Query().Get("hash"), Token: Token(key)}
		parts := strings.Split(strings.Trim(key, "/"), "/")
		switch {
		case len(parts) == 2 && parts[0] == "api":
			r.Version, r.GroupVersion = parts[1], parts[1]
		case len(parts) == 3 && parts[0] == "apis":
			r.Group, r.Version, r.GroupVersion = parts[1], parts[2], parts[1]+"/"+parts[2]
		}
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b DocRef) int { return strings.Compare(a.Key, b.Key) })
	return refs, nil
}

// Token returns what the Kubernetes OpenAPI builder (apiserver's
// endpoints/openapi.GetOperationIDAndTags, also used for custom resources)
// inserts after the verb of the operationIds of the document at key: /api
// counts as group "core", a group loses its ".k8s.io" suffix, and group and
// version are camel-cased. "api/v1" → "CoreV1",
// "apis/rbac.authorization.k8s.io/v1" → "RbacAuthorizationV1",
// "apis/stable.example.com/v1" → "StableExampleComV1", "apis/apps" →
// "Apps", "version" and "apis" → "".
func Token(key string) string {
	parts := strings.Split(strings.Trim(key, "/"), "/")
	if parts[0] == "api" {
		parts = append([]string{"apis", "core"}, parts[1:]...)
	}
	if len(parts) < 2 || parts[0] != "apis" {
		return ""
	}
	t := validOperationID(strings.TrimSuffix(parts[1], ".k8s.io"))
	if len(parts) > 2 {
		t += validOperationID(parts[2])
	}
	return t
}

// validOperationID is apiserver's ToValidOperationID(s, true): drop what is
// not a letter, '_' or a non-leading digit, and upper-case the first letter
// and each letter after a dropped character.
func validOperationID(s string) string {
	var b strings.Builder
	capitalize := true
	for i, r := range s {
		if unicode.IsLetter(r) || r == '_' || (i != 0 && unicode.IsDigit(r)) {
			if capitalize {
				r = unicode.ToUpper(r)
				capitalize = false
			}
			b.WriteRune(r)
		} else {
			capitalize = true
		}
	}
	return b.String()
}

// SplitVerb splits an operation name into its leading lower-case verb and
// the rest: "createCoreV1NamespacedPod" → "create", "CoreV1NamespacedPod".
func SplitVerb(name string) (verb, rest string) {
	i := strings.IndexFunc(name, func(r rune) bool { return !unicode.IsLower(r) })
	if i < 0 {
		return name, ""
	}
	return name[:i], name[i:]
}

// ShortID returns Hikaru's short form of an operationId of the document r:
// the id without r's token, createCoreV1NamespacedPod → createNamespacedPod.
// Operations outside a group-version keep their id.
func (r DocRef) ShortID(id string) string {
	if r.GroupVersion == "" || r.Token == "" {
		return id
	}
	verb, rest := SplitVerb(id)
	if after, ok := strings.CutPrefix(rest, r.Token); ok && after != "" {
		return verb + after
	}
	return id
}
