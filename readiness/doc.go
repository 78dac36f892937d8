// Package readiness computes the readiness of a Kubernetes object from its
// content alone, by the rules of kstatus
// (sigs.k8s.io/cli-utils/pkg/kstatus/status): whether the object's
// controller has caught up with its spec (Current), has not yet
// (InProgress), gave up (Failed), or the object is being deleted
// (Terminating).
//
// It reads a plain map[string]any, as an unstructured.Unstructured holds
// it, and knows neither kobj's Object nor its Client: controller-runtime
// code and tests can use it on any object they hold, without a cluster.
// kobj's Object.Readiness and its Wait condition Ready are built on it.
//
// The rules are ported from kstatus v0.37.2's source rather than imported:
// kstatus's package would add 55 modules to kobj's dependency graph.
// Where kobj's answer differs from kstatus's on purpose, Compute's doc
// comment says so and why; a differential test in kobj's test module
// (test/oracle) holds every other answer to kstatus's.
package readiness
