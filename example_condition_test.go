package kobj_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/kobj-dev/kobj"
)

// Check tests a state without waiting and without a request: here a Job
// read earlier, as an operator's reconcile loop or a script would.
func ExampleCondition_Check() {
	objs, err := kobj.LoadString(`
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, generation: 1}
status:
  conditions:
  - {type: Failed, status: "True", reason: BackoffLimitExceeded}
`)
	if err != nil {
		log.Fatal(err)
	}
	job := objs[0]

	done, err := kobj.AnyOf(kobj.ConditionTrue("Complete"), kobj.ConditionTrue("Failed")).Check(job)
	fmt.Println("finished:", done, err)

	// A condition that fails is an error wrapping ErrConditionFailed, as it
	// would end a Wait.
	_, err = kobj.FailWhen(kobj.ConditionTrue("Failed")).Check(job)
	fmt.Println("failed:", errors.Is(err, kobj.ErrConditionFailed))

	// kubectl wait --for=jsonpath='{.status.conditions}' (any match).
	has, _ := kobj.JSONPath("{.status.conditions}").Check(job)
	fmt.Println("has conditions:", has)

	// A nil object is one that does not exist.
	gone, _ := kobj.Gone().Check(nil)
	fmt.Println("nil is gone:", gone)
	// Output:
	// finished: true <nil>
	// failed: true
	// has conditions: true
	// nil is gone: true
}
