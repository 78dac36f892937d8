package kobj

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// An OpenAPI document of a group-version is mostly text the index does not
// need: descriptions of schema properties, response bodies, media types. To
// build the index quickly, readOaDoc walks the document and fills exactly the
// fields of oaDoc, skipping the rest by looking for the ends of strings and
// brackets (bytes.IndexByte, not a state machine per byte); schemas are kept
// as sub-slices of the document, not copies. It fills oaDoc as
// json.Unmarshal would (TestOpsReaderMatchesEncodingJSON holds it to that),
// in a third of the time. The document is from the server or a file written
// atomically from it; the reader rejects malformed JSON where it looks, but
// it does not validate what it skips.

// jsonReader reads one JSON value from data.
type jsonReader struct {
	data []byte
	pos  int
	err  error
	seen map[string]string // strings read so far by their raw bytes: parameter descriptions repeat
}

func (r *jsonReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("offset %d: %s", r.pos, what)
	}
	r.pos = len(r.data)
}

// next skips white space and returns the next byte, 0 at the end.
func (r *jsonReader) next() byte {
	for r.pos < len(r.data) {
		switch c := r.data[r.pos]; c {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return c
		}
	}
	return 0
}

// null consumes a null and reports whether there was one.
func (r *jsonReader) null() bool {
	if r.next() == 'n' && bytes.HasPrefix(r.data[r.pos:], []byte("null")) {
		r.pos += 4
		return true
	}
	return false
}

// object calls f with each key of an object; f must consume the value. A
// null is an empty object.
func (r *jsonReader) object(f func(key []byte)) {
	if r.null() {
		return
	}
	if r.next() != '{' {
		r.fail("expected an object")
		return
	}
	r.pos++
	if r.next() == '}' {
		r.pos++
		return
	}
	for r.err == nil {
		if r.next() != '"' {
			r.fail("expected a key")
			return
		}
		start := r.pos
		key, escaped := r.rawString()
		if escaped && r.err == nil {
			var k string
			if err := json.Unmarshal(r.data[start:r.pos], &k); err != nil {
				r.fail(err.Error())
				return
			}
			key = []byte(k)
		}
		if r.next() != ':' {
			r.fail("expected ':'")
			return
		}
		r.pos++
		f(key)
		switch r.next() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return
		default:
			r.fail("expected ',' or '}'")
		}
	}
}

// array calls f for each element of an array; f must consume it. A null is
// an empty array.
func (r *jsonReader) array(f func()) {
	if r.null() {
		return
	}
	if r.next() != '[' {
		r.fail("expected an array")
		return
	}
	r.pos++
	if r.next() == ']' {
		r.pos++
		return
	}
	for r.err == nil {
		f()
		switch r.next() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return
		default:
			r.fail("expected ',' or ']'")
		}
	}
}

// rawString consumes a string and returns its bytes between the quotes,
// escapes as they are, and whether there are any.
func (r *jsonReader) rawString() (s []byte, escaped bool) {
	start := r.pos + 1
	for i := start; ; {
		j := bytes.IndexByte(r.data[i:], '"')
		if j < 0 {
			r.fail("unterminated string")
			return nil, false
		}
		end := i + j
		n := 0 // backslashes before the quote
		for k := end - 1; k >= start && r.data[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			r.pos = end + 1
			s = r.data[start:end]
			return s, escaped || bytes.IndexByte(s, '\\') >= 0
		}
		escaped, i = true, end+1
	}
}

// str consumes a string and returns it unescaped; another value is "".
func (r *jsonReader) str() string {
	if r.next() != '"' {
		r.skip()
		return ""
	}
	start := r.pos
	s, escaped := r.rawString()
	if out, ok := r.seen[string(s)]; ok || r.err != nil {
		return out
	}
	out := string(s)
	if escaped {
		if err := json.Unmarshal(r.data[start:r.pos], &out); err != nil {
			r.fail(err.Error())
		}
	}
	if r.seen == nil {
		r.seen = map[string]string{}
	}
	r.seen[string(s)] = out
	return out
}

// boolean consumes a value and reports whether it is true.
func (r *jsonReader) boolean() bool {
	if r.next() == 't' && bytes.HasPrefix(r.data[r.pos:], []byte("true")) {
		r.pos += 4
		return true
	}
	r.skip()
	return false
}

// skip consumes one value of any kind.
func (r *jsonReader) skip() {
	switch r.next() {
	case '"':
		r.rawString()
		return
	case '{', '[':
	case 0:
		r.fail("unexpected end")
		return
	default: // number, true, false, null
		start := r.pos
		for r.pos < len(r.data) && bytes.IndexByte([]byte(",}] \t\n\r"), r.data[r.pos]) < 0 {
			r.pos++
		}
		if !json.Valid(r.data[start:r.pos]) {
			r.pos = start
			r.fail("expected a value")
		}
		return
	}
	depth := 0
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case '"':
			r.rawString()
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				r.pos++
				return
			}
		}
		r.pos++
	}
	r.fail("unterminated object or array")
}

// readOaDoc fills d from data as json.Unmarshal would.
func readOaDoc(data []byte, d *oaDoc) error {
	r := &jsonReader{data: data}
	r.object(func(k []byte) {
		switch string(k) {
		case "paths":
			d.Paths = map[string]*oaPathItem{}
			r.object(func(path []byte) {
				if r.null() {
					d.Paths[string(path)] = nil
					return
				}
				item := &oaPathItem{}
				d.Paths[string(path)] = item
				r.pathItem(item)
			})
		case "components":
			r.object(func(k []byte) {
				if string(k) != "schemas" {
					r.skip()
					return
				}
				d.Components.Schemas = map[string]json.RawMessage{}
				r.object(func(name []byte) {
					r.next()
					start := r.pos
					r.skip()
					d.Components.Schemas[string(name)] = r.data[start:r.pos:r.pos]
				})
			})
		default:
			r.skip()
		}
	})
	if r.err == nil && r.next() != 0 {
		r.fail("data after the document")
	}
	return r.err
}

func (r *jsonReader) pathItem(item *oaPathItem) {
	r.object(func(k []byte) {
		var op **oaOp
		switch string(k) {
		case "parameters":
			item.Parameters = r.params()
			return
		case "get":
			op = &item.Get
		case "put":
			op = &item.Put
		case "post":
			op = &item.Post
		case "delete":
			op = &item.Delete
		case "options":
			op = &item.Options
		case "head":
			op = &item.Head
		case "patch":
			op = &item.Patch
		default:
			r.skip()
			return
		}
		if r.null() {
			*op = nil
			return
		}
		*op = &oaOp{}
		r.operation(*op)
	})
}

func (r *jsonReader) operation(op *oaOp) {
	r.object(func(k []byte) {
		switch string(k) {
		case "operationId":
			op.OperationID = r.str()
		case "description":
			op.Description = r.str()
		case "parameters":
			op.Parameters = r.params()
		case "x-kubernetes-action":
			op.Action = r.str()
		case "x-kubernetes-group-version-kind":
			if !r.null() {
				op.GVK = &oaGVK{}
				r.gvk(op.GVK)
			}
		case "requestBody":
			if r.null() {
				return
			}
			op.RequestBody = &oaRequestBody{}
			r.object(func(k []byte) {
				switch string(k) {
				case "required":
					op.RequestBody.Required = r.boolean()
				case "content":
					op.RequestBody.Content = r.content()
				default:
					r.skip()
				}
			})
		case "responses":
			r.object(func(k []byte) {
				var resp **oaResponse
				switch string(k) {
				case "200":
					resp = &op.Responses.OK
				case "201":
					resp = &op.Responses.Created
				default:
					r.skip()
					return
				}
				if r.null() {
					*resp = nil
					return
				}
				*resp = &oaResponse{}
				r.object(func(k []byte) {
					if string(k) == "content" {
						(*resp).Content = r.content()
					} else {
						r.skip()
					}
				})
			})
		default:
			r.skip()
		}
	})
}

func (r *jsonReader) params() []oaParam {
	if r.null() {
		return nil
	}
	ps := []oaParam{}
	r.array(func() {
		var p oaParam
		r.object(func(k []byte) {
			switch string(k) {
			case "name":
				p.Name = r.str()
			case "in":
				p.In = r.str()
			case "required":
				p.Required = r.boolean()
			case "description":
				p.Description = r.str()
			case "schema":
				r.object(func(k []byte) {
					if string(k) == "type" {
						p.Schema.Type = r.str()
					} else {
						r.skip()
					}
				})
			default:
				r.skip()
			}
		})
		ps = append(ps, p)
	})
	return ps
}

// content reads a map of media types to their schema's $ref.
func (r *jsonReader) content() map[string]oaMedia {
	if r.null() {
		return nil
	}
	c := map[string]oaMedia{}
	r.object(func(mediaType []byte) {
		var m oaMedia
		r.object(func(k []byte) {
			if string(k) != "schema" {
				r.skip()
				return
			}
			r.object(func(k []byte) {
				if string(k) == "$ref" {
					m.Schema.Ref = r.str()
				} else {
					r.skip()
				}
			})
		})
		c[string(mediaType)] = m
	})
	return c
}

func (r *jsonReader) gvk(g *oaGVK) {
	r.object(func(k []byte) {
		switch string(k) {
		case "group":
			g.Group = r.str()
		case "version":
			g.Version = r.str()
		case "kind":
			g.Kind = r.str()
		default:
			r.skip()
		}
	})
}

// readSchemaGVKs returns a schema's x-kubernetes-group-version-kind list.
func readSchemaGVKs(raw []byte) ([]oaGVK, error) {
	r := &jsonReader{data: raw}
	var gvks []oaGVK
	r.object(func(k []byte) {
		if string(k) != "x-kubernetes-group-version-kind" {
			r.skip()
			return
		}
		r.array(func() {
			var g oaGVK
			r.gvk(&g)
			gvks = append(gvks, g)
		})
	})
	return gvks, r.err
}
