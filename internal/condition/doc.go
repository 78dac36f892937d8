// Package condition evaluates kobj's wait conditions on an object's content,
// a map[string]any as unstructured objects hold it: kubectl wait's condition
// rule (an entry of status.conditions by type and status, with its
// observedGeneration rule), kubectl wait's JSONPath rule, equality of the
// value at a path, and the AnyOf, AllOf and FailWhen combinations of
// verdicts. Each evaluation returns a Verdict: met or not, what was seen,
// and an error when waiting longer is pointless.
//
// It knows neither kobj's Object nor its Client: the root package's public
// Condition constructors wrap these functions, and the conditions that need
// an Object (Exists, Gone, Ready, Func) stay there. kubectl's behaviour is
// the reference for ConditionIs and JSONPath; the differences kept on
// purpose are named in the differential test test/oracle/kubectlwait_test.go.
package condition
