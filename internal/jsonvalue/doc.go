// Package jsonvalue is the value core of kobj: the operations on the
// JSON-shaped values that unstructured objects hold (map[string]any, []any,
// string, bool, int64, float64 and nil) that every layer shares — copying,
// comparing by JSON value, the one rule that reads a number as an integer,
// normalising Go values into that shape, and the merge patch between two
// values, or between JSON text and a value without decoding the text.
//
// It knows neither kobj's Object nor its Client: values go in and come out.
package jsonvalue
