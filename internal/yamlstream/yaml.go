package yamlstream

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	goyaml "go.yaml.in/yaml/v2"
)

// streamOffset places a part of a stream within the whole: the documents
// and lines that come before it.
type streamOffset struct {
	documents, lines int
}

// decodeYAMLStream decodes each document of a YAML stream; at tells where
// data starts in the whole stream, for indexes and lines.
func decodeYAMLStream(data []byte, at streamOffset, fn func(Document) error) error {
	index := at.documents
	err := splitDocuments(data, func(doc []byte, firstLine int) error {
		index++
		firstLine += at.lines
		line := firstLine + leadingBlankLines(doc)
		m, err := decodeDocument(doc)
		if err != nil {
			if n, cause, ok := splitYAMLErrorLine(err); ok {
				line, err = firstLine+n-1, cause
			}
			return &Error{Document: index, Line: line, Err: err}
		}
		if m == nil {
			return nil
		}
		return fn(Document{Index: index, Line: line, Object: m})
	})
	var sep *separatorError
	if errors.As(err, &sep) {
		return &Error{Document: at.documents + sep.document, Line: at.lines + sep.line, Err: err}
	}
	return err
}

// decodeDocument parses one YAML document with go-yaml v2, as kubectl does,
// into unstructured values. A null, empty or comment-only document yields a
// nil map and no error; a document that is not a map is an error.
func decodeDocument(doc []byte) (map[string]any, error) {
	if err := checkAliasExpansion(doc); err != nil {
		return nil, err
	}
	var raw any
	if err := goyaml.Unmarshal(doc, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, nil
	}
	v, err := unstructuredValue(raw, 0)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errNotAnObject(v)
	}
	return m, nil
}

// yamlLineRE finds the document-relative line in go-yaml's messages.
var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): `)

// splitYAMLErrorLine takes the 1-based document line out of a go-yaml error
// message, so that the line can be counted in the whole stream instead; ok
// is false when the message names no line.
func splitYAMLErrorLine(err error) (line int, cause error, ok bool) {
	msg := err.Error()
	sub := yamlLineRE.FindStringSubmatch(msg)
	if sub == nil {
		return 0, err, false
	}
	line, _ = strconv.Atoi(sub[1])
	if isParserProblem(msg[len(sub[0]):]) {
		line++ // go-yaml v2 counts parser (not scanner) error lines from 0
	}
	return line, errors.New("yaml: " + msg[len(sub[0]):]), true
}

// isParserProblem tells go-yaml v2's parser messages from its scanner's.
func isParserProblem(msg string) bool {
	for _, p := range []string{
		"did not find expected <document start>", "did not find expected node content",
		"did not find expected key", "did not find expected '-' indicator",
		"did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"found undefined tag handle", "found duplicate %YAML directive",
		"found incompatible YAML document", "found duplicate %TAG directive",
	} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
