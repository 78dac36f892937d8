// Package operator builds Kubernetes operators on kobj: a cache of the
// kinds an operator watches, shared by all its controllers, and
// controllers that reconcile one object at a time with the helpers a
// reconciler needs (owned children applied and pruned, conditions,
// finalizers, events).
//
// It is built on client-go's own machinery: shared informers
// (tools/cache), the rate-limiting work queue (util/workqueue) and the
// events recorder (tools/events); and on kobj's Client and Object,
// server-side apply and readiness. Any kind works, custom resources first: kinds
// are resolved at run time from the server's discovery, and objects are
// kobj Objects, read from the cache as the caller's own copies.
//
// The loop is level-triggered: a reconciler is handed the object's current
// state and must bring the world in line with it, whatever happened
// before. What changed (Reconcile.Reason, Old, Diff) is a hint for
// logging and shortcuts, never a contract: after a restart Old is nil and
// the reason is Resynced.
//
// A controller is declared with For and the Builder's methods, added to a
// Manager, and run:
//
//	m, err := operator.NewManager(c)
//	err = m.Add(operator.For("example.com/v1", "Website").
//		Owns("v1", "ConfigMap").
//		When(operator.GenerationChanged()).
//		Finalizer("example.com/cleanup", cleanup).
//		Reconcile(reconcile))
//	err = m.Run(ctx)
//
// A reconciler renders its children and hands them to Reconcile.Apply,
// which sets their controller ownerReference, applies them server-side,
// sends no write for a child that is already as rendered, and prunes the
// children it no longer renders; SetCondition and Event report back.
// Cache.Get and Cache.List answer from memory, and wait (briefly) for the
// operator's own writes to reach the cache.
package operator
