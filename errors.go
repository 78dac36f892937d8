package kobj

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kobj-dev/kobj/internal/condition"
	"github.com/kobj-dev/kobj/internal/yamlstream"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/portforward"
)

// ErrUnsupported is returned, wrapped in an *UnsupportedError, when a kind
// does not support the verb a call needs. Test for it with errors.Is.
var ErrUnsupported = errors.New("operation not supported")

// ErrPathNotFound is returned, wrapped in a *PathError, by the typed getters
// when nothing exists at the path. Test for it with errors.Is.
var ErrPathNotFound = errors.New("no value at path")

// ErrNoClient is returned when a call needs a cluster and no client was
// given by option, by the object, or as the default client.
var ErrNoClient = errors.New("no client configured")

// ErrConditionFailed is wrapped by the error Wait returns when a condition
// says that waiting longer is pointless: a FailWhen condition held, or
// Ready() saw the object Failed. Test for it with errors.Is.
var ErrConditionFailed = condition.ErrFailed

// ErrForeignApplySet is wrapped by the error of ApplyAll with [Prune]
// when the parent exists and another tool manages it (its tooling
// annotation names another tool than kobj's, or than [ApplySetTooling]'s):
// like kubectl, kobj does not take over another tool's set.
var ErrForeignApplySet = errors.New("ApplySet managed by another tool")

// ErrLostConnection is wrapped by [PortForward.Err] when the connection to
// the server ended while forwarding (the Pod went away, the server or a
// proxy closed it): the forward stops rather than accept connections it
// can no longer serve. Reconnecting is the caller's choice: the Pod may
// be gone.
var ErrLostConnection = portforward.ErrLostConnectionToPod

// ErrAliasBomb is wrapped by the *LoadError for a YAML document whose
// aliases would expand it past kobj's bound (100,000 nodes, or 10 times the
// nodes written if that is more). kubectl would expand such a document for
// seconds and hundreds of megabytes; kobj refuses it before expanding.
var ErrAliasBomb = yamlstream.ErrAliasBomb

// PathError reports a path expression that could not be parsed, or a path
// that could not be read or written in an object.
type PathError struct {
	Path string // the path as the caller wrote it
	At   string // the prefix of Path where the problem is, if known
	Err  error
}

// Error names the path and what is wrong at it.
func (e *PathError) Error() string {
	if e.At != "" && e.At != e.Path {
		return fmt.Sprintf("path %q: at %q: %v", e.Path, e.At, e.Err)
	}
	return fmt.Sprintf("path %q: %v", e.Path, e.Err)
}

// Unwrap returns the underlying cause.
func (e *PathError) Unwrap() error { return e.Err }

// LoadError reports a document that could not be loaded. File is empty when
// the input was not a named file; Document is 1-based; Line is the 1-based
// line in the whole input.
type LoadError struct {
	File     string
	Document int
	Line     int
	Err      error
}

// Error names the file, document and line, then the cause.
func (e *LoadError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "document %d", e.Document)
	if e.Line > 0 {
		fmt.Fprintf(&b, ", line %d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *LoadError) Unwrap() error { return e.Err }

// UnsupportedError reports a verb that a kind does not support on the
// server. It wraps ErrUnsupported.
type UnsupportedError struct {
	APIVersion, Kind string
	Verb             string   // the verb the call needed, such as "patch"
	Verbs            []string // the verbs the server lists for the kind
}

// Error names the verb needed and the verbs the server lists.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s %s does not support %q: the server lists only [%s] for it",
		e.APIVersion, e.Kind, e.Verb, strings.Join(e.Verbs, ", "))
}

// Unwrap returns ErrUnsupported.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// UnknownKindError reports a kind the server does not serve in APIVersion,
// even after a fresh discovery. Suggestions are hints for a human, such as
// "Deployment is served in apps/v1" or "did you mean Deployment?".
type UnknownKindError struct {
	APIVersion, Kind string
	Suggestions      []string
}

// Error names the kind, the apiVersion and the suggestions.
func (e *UnknownKindError) Error() string {
	msg := fmt.Sprintf("the server has no kind %q in %s", e.Kind, e.APIVersion)
	return strings.Join(append([]string{msg}, e.Suggestions...), "; ")
}

// UnknownOperationError reports an operation name that none of the server's
// OpenAPI documents defines, even after the server's list of documents was
// fetched again. Suggestions holds the closest names, nearest first. Test for
// it with errors.As.
type UnknownOperationError struct {
	Name        string
	Suggestions []string
}

// Error names the name and the closest known names.
func (e *UnknownOperationError) Error() string {
	msg := fmt.Sprintf("the server has no operation %q", e.Name)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + strings.Join(e.Suggestions, ", ") + "?"
	}
	return msg
}

// AmbiguousOperationError reports a short operation name that several
// group-versions define, none of them the apiVersion the call gave.
// Candidates holds their full operationIds; calling one of them, or giving
// the object's apiVersion, resolves it. Test for it with errors.As.
type AmbiguousOperationError struct {
	Name       string
	Candidates []string
}

// Error names the name and the full names it could mean.
func (e *AmbiguousOperationError) Error() string {
	return fmt.Sprintf("operation %q is defined in several group-versions: %s; call one of these or give the apiVersion",
		e.Name, strings.Join(e.Candidates, ", "))
}

// callError is how a kobj call reports a failure of its own making: the
// one place that writes the "kobj: " prefix, followed by the call and the
// object it was made on. The cause stays reachable with errors.Is and
// errors.As.
type callError struct {
	call string // "Create v1 ConfigMap shop/web", "Call listNamespacedPod"
	err  error
}

func (e *callError) Error() string { return "kobj: " + e.text() }
func (e *callError) Unwrap() error { return e.err }

// text is the message without the prefix; a callError within (a verb that
// failed inside another) adds its call, not a second prefix.
func (e *callError) text() string {
	var inner *callError
	if errors.As(e.err, &inner) && inner == e.err {
		return e.call + ": " + inner.text()
	}
	return e.call + ": " + e.err.Error()
}

// errorf returns the error of call, with the one "kobj: " prefix.
func errorf(call, format string, args ...any) error {
	return &callError{call: call, err: fmt.Errorf(format, args...)}
}

// wrapCall wraps *errp, if set, as a failure of call. The server's own
// errors (an *apierrors.StatusError, or anything else that carries an API
// Status) and the context's errors pass through as they are, so that apierrors.IsNotFound(err), err == context.Canceled and
// friends keep working; they say for themselves what went wrong.
func wrapCall(errp *error, call string) {
	err := *errp
	if err == nil {
		return
	}
	if _, isStatus := err.(apierrors.APIStatus); isStatus || err == context.Canceled || err == context.DeadlineExceeded {
		return
	}
	*errp = &callError{call: call, err: err}
}

// callName names a verb on an object for errors: "Create v1 ConfigMap
// shop/web".
func callName(verb string, o *Object) string {
	if o == nil {
		return verb + " <nil object>"
	}
	return verb + " " + o.String()
}

// FieldConflict is one field that a server-side apply set and another
// manager owns.
type FieldConflict struct {
	Manager string // the manager that owns the field, such as "deployer"
	Field   string // the field's path as the server writes it, such as .data.key
	Message string // the server's own words, such as `conflict with "deployer" using v1`
}

// ApplyConflictError reports a server-side apply that set fields other
// managers own (the server's 409 Conflict with FieldManagerConflict
// causes). apierrors.IsConflict is true for it, and errors.As finds the
// server's *apierrors.StatusError within.
type ApplyConflictError struct {
	Err       *apierrors.StatusError
	Conflicts []FieldConflict
}

// Error gives the server's message and the three ways out that kubectl
// gives.
func (e *ApplyConflictError) Error() string {
	return e.Err.Error() + `
Either:
* apply with kobj.Force() to take these fields from their managers;
* or remove the fields from what you apply, so that they keep their current managers;
* or set each field to the value it has on the server: you then co-own it, and become its manager when the others stop managing it.
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts`
}

// Unwrap returns the server's error.
func (e *ApplyConflictError) Unwrap() error { return e.Err }

// Status returns the server's Status, so that apierrors.IsConflict and
// friends see the server's answer, and kobj passes the error on as is.
func (e *ApplyConflictError) Status() metav1.Status { return e.Err.Status() }

// UnknownFieldsError reports the fields of an object that the Go type it
// was converted into has no place for (Into, As or ItemsAs with Strict).
// Paths are sorted, in the form spec.template.spec.containers[0].extra.
// Test for it with errors.As.
type UnknownFieldsError struct {
	Paths []string
}

// Error names every unknown field.
func (e *UnknownFieldsError) Error() string {
	quoted := make([]string, len(e.Paths))
	for i, p := range e.Paths {
		quoted[i] = strconv.Quote(p)
	}
	noun := "fields"
	if len(e.Paths) == 1 {
		noun = "field"
	}
	return fmt.Sprintf("unknown %s %s", noun, strings.Join(quoted, ", "))
}

// ExitError is the error of a command that exited with a non-zero code,
// when [CheckExitCode] asks for one. errors.As finds it in Exec's error.
type ExitError struct {
	Code int
}

// Error says the command's exit code.
func (e *ExitError) Error() string { return fmt.Sprintf("command exited with code %d", e.Code) }
