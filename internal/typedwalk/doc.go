// Package typedwalk holds the checks kobj's typed views add to
// apimachinery's unstructured converter, which says what did not fit but
// not where: walkers over a Go API value and its unstructured content that
// name the path of a value the content cannot hold (a large unsigned
// number, a NaN), of a part of the content that does not fit the Go type,
// and of the fields a strict conversion found no place for; and the check
// that content's apiVersion and kind are those client-go's scheme gives
// the Go type.
//
// Paths are in the field names of the JSON form, as kobj's Get reads them
// (spec.template.spec.containers[0].image), and "$" for the whole value.
//
// It knows neither kobj's Object nor its Client: maps and reflect values go
// in, paths and errors come out.
package typedwalk
