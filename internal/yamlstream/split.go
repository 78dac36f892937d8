package yamlstream

import (
	"bytes"
	"fmt"
)

// splitDocuments calls fn with each document of a YAML stream and the
// 1-based line on which it starts. It splits exactly as apimachinery's
// YAMLReader does, so that what kubectl loads loads the same: CRLF line ends
// read as LF; every document ends in a newline; a line that begins with ---
// separates documents when nothing but space or a comment follows (anything
// else after --- is a *separatorError). A separator ends the document before
// it, or, when no document has begun, begins the next one (and stays in it).
func splitDocuments(data []byte, fn func(doc []byte, firstLine int) error) error {
	if bytes.Contains(data, []byte("\r\n")) {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	}
	start, startLine, line, docs := 0, 1, 1, 0
	for pos := 0; pos < len(data); line++ {
		next := len(data)
		if end := bytes.IndexByte(data[pos:], '\n'); end >= 0 {
			next = pos + end + 1
		}
		if rest, ok := cutSeparator(data[pos:next]); ok {
			if len(rest) > 0 && rest[0] != '#' {
				if pos > start {
					docs++ // the document before this line is cut off, as in the reference
				}
				return &separatorError{document: docs + 1, line: line, text: string(rest)}
			}
			if pos > start {
				docs++
				if err := fn(data[start:pos], startLine); err != nil {
					return err
				}
				start, startLine = next, line+1
			}
		}
		pos = next
	}
	if start < len(data) {
		doc := data[start:]
		if doc[len(doc)-1] != '\n' {
			doc = append(doc[:len(doc):len(doc)], '\n')
		}
		return fn(doc, startLine)
	}
	return nil
}

// separatorError reports a --- line followed by something other than a
// comment; document and line count from the start of the split data.
type separatorError struct {
	document, line int
	text           string
}

func (e *separatorError) Error() string {
	return fmt.Sprintf("invalid document separator: %q after --- (only a comment may follow it)", e.text)
}

// leadingBlankLines counts the lines of doc before its first content: blank
// lines, comments and a leading separator.
func leadingBlankLines(doc []byte) int {
	n := 0
	for len(doc) > 0 {
		i := bytes.IndexByte(doc, '\n')
		line := doc
		if i >= 0 {
			line = doc[:i]
		}
		t := bytes.TrimSpace(line)
		if rest, ok := cutSeparator(line); ok {
			t = rest // only a comment may follow, or the stream would not split
		}
		if len(t) > 0 && t[0] != '#' {
			return n
		}
		if i < 0 {
			return n
		}
		n++
		doc = doc[i+1:]
	}
	return 0
}

// cutSeparator reports whether line begins with ---, as a document separator
// does, and returns what follows it, trimmed of space: nothing or a comment
// in a valid separator.
func cutSeparator(line []byte) (rest []byte, ok bool) {
	rest, ok = bytes.CutPrefix(line, []byte("---"))
	return bytes.TrimSpace(rest), ok
}
