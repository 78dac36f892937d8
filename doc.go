// Package kobj makes any Kubernetes object a live Go value: load it from
// YAML or JSON, change it with paths, create, read, update or delete it on
// a cluster, and call any operation of the Kubernetes API by its OpenAPI
// operationId, blocking or as a future. Nothing is generated: every kind,
// custom resources included, is resolved at run time from the server's own
// discovery and OpenAPI documents. It is a Go take on Python's Hikaru,
// built on client-go and apimachinery's unstructured objects.
//
// # Objects
//
// An [Object] holds one object of any kind as the JSON-shaped map of an
// unstructured.Unstructured ([Object.Unstructured] hands it out for
// client-go). Make one with [New], [FromMap], [FromJSON] or [FromTyped], or
// load every document of a file with [LoadFile], [Load], [LoadString] or
// [LoadBytes]: documents are split and decoded exactly as kubectl reads
// them, nothing is dropped, and a bad document is a [*LoadError] naming
// the file, the document and the line.
//
// Read and change an object with paths such as
// "spec.template.spec.containers[0].image": [Object.Get], [Object.Set],
// [Object.Remove], the typed getters ([Object.GetString] and friends) and
// [Object.FindByName]. The metadata accessors ([Object.Name],
// [Object.Labels], [Object.UID], [Object.OwnerReferences], ...) use
// apimachinery's vocabulary. [Object.DeepCopy], [Object.Equal],
// [Object.Merge] and [Object.Diff] compare and combine objects; [Object.YAML]
// and [Object.JSON] write them out.
//
// # Clients
//
// A [Client] is a connection to one cluster: make one with [NewClient]
// from a rest.Config, with [NewClientFromKubeconfig], or take the
// process-wide [DefaultClient] (your kubeconfig, as kubectl finds it). A
// call uses the client given by [WithClient], else the object's own
// ([Object.SetClient]), else the default client. A Client is safe for
// concurrent use and shares its transport with client-go code:
// [WithHTTPClient] makes it use an existing *http.Client, [Client.Dynamic]
// and [Client.RESTMapper] hand client-go views of the same connection and
// discovery cache.
//
// # Create, read, update, delete
//
// [Object.Create], [Object.Read], [Object.Update] and [Object.Delete] act on
// the server and update the object in place from the server's answer.
// Name and namespace come from metadata or from [Named] and [InNamespace];
// both given and different is an error before any request, as is a
// namespace for a cluster-scoped kind or a verb the server does not list
// for the kind ([ErrUnsupported]). [Object.Update] sends a JSON merge patch
// of what changed since the object was last read, carrying its
// resourceVersion: a cleared field is cleared on the server, and a
// concurrent change makes the server answer Conflict instead of being lost.
// [Object.Edit] runs a function on the object and then updates it, with
// [Rollback] and [RetryOnConflict] at hand. Reading a list kind (PodList)
// lists every page and fills [Object.Items]; [Object.Each] walks a list of
// any size instead, yielding its items page by page and holding one page.
//
// # Options
//
// Options are small values. Each verb takes its own option interface, so an
// option a verb cannot take is a compile error: [ClientOption],
// [CreateOption], [ReadOption], [UpdateOption], [DeleteOption],
// [EditOption], [CallOption], [WatchOption], [ApplyOption],
// [ApplyAllOption], [DeleteAllOption], [LogOption], [ExecOption],
// [PortForwardOption], [IntoOption] and [MergeOption]. One value can serve
// several verbs: [InNamespace] is a ReadOption, a WatchOption and more.
//
// # Operations by name
//
// [Client.Call] runs any operation of the server's OpenAPI v3 documents by
// its operationId ("listCoreV1NamespacedPod") or Hikaru's short form
// ("listNamespacedPod"), with [Args] checked before any request.
// [Object.Call] fills in the object's name, namespace and body for the
// operations of its own kind. [Client.CallAsync] and [Object.CallAsync]
// return a [Response] at once, as a future. [Client.Operations] lists the
// operations with their parameters and descriptions; [Client.CallStream]
// runs the operations whose answer is a stream.
//
// # Watch
//
// [Object.Watch] on a list kind (ConfigMapList) watches every object of the
// kind that the options select; on any other kind, that one object. A
// [Watcher] starts with the current state ([Resync], one [Added] event with
// Initial set for each object, [Synced]), then delivers live events, and
// recovers from disconnects, server time-outs and 410 Gone by itself. It
// ends on its context, [Watcher.Stop], or a terminal error in
// [Watcher.Err]. [Watcher.ResourceVersion] is a checkpoint that
// [FromResourceVersion] resumes from.
//
// # Wait and readiness
//
// [Object.Wait] blocks until every [Condition] holds on one observed version
// of the object — [ConditionTrue], [ConditionIs], [PathEquals], [JSONPath]
// (kubectl wait's --for forms), [Exists], [Gone], [Ready], [Func], combined
// with [AnyOf], [AllOf] and [FailWhen] — following a watch, and returns the
// object refreshed. [Condition.Check] evaluates a condition on an object in
// memory, with no request. [Object.Readiness] computes kstatus's readiness
// ([InProgress], [Current], [Failed], [Terminating], [NotFound]) with the
// rules of package github.com/kobj-dev/kobj/readiness, which works on plain
// maps and needs no client.
//
// # Server-side apply and sets of manifests
//
// [Object.Apply] and [Object.ApplyStatus] send a server-side apply under a
// [FieldManager]; a field another manager owns is an [*ApplyConflictError]
// naming the manager and the field, unless [Force]. [Client.ApplyAll]
// applies a set in order (CRDs and Namespaces first, waiting until they are
// usable), skips objects the apply would not change, and reports a
// [ChangeSet] of [Change] values ([Created], [Configured], [Unchanged],
// [Pruned]); with [Prune] the set is a kubectl-compatible ApplySet whose
// members no longer given are deleted. [Client.DeleteAll] undoes a set in
// reverse order.
//
// # Typed views
//
// [As] and [ItemsAs] view an object or a list's items as a client-go struct
// (appsv1.Deployment); [EditAs] edits through such a view and sends only
// what the typed edit changed, so fields the Go type does not know survive.
// [FromTyped] and [Object.Into] convert both ways; [Strict] refuses fields
// the type does not know.
//
// # Logs, exec and port-forward
//
// [Object.Logs] and [Object.LogLines] read a Pod's log, following it with
// [Follow] and across container restarts with [FollowRestarts].
// [Object.Exec] runs a command in a container and returns an [ExecResult]
// (exit code, stdout, stderr); [Object.PortForward] forwards local ports to
// the Pod until closed. All three use client-go's streaming protocols
// (WebSocket, falling back to SPDY on older servers).
//
// # Errors
//
// Errors from the server are apimachinery's *errors.StatusError, so
// apierrors.IsNotFound(err) and friends work. Errors of kobj's own start
// with "kobj: ", name the call and the offending input, and are typed
// ([*PathError], [*LoadError], [*UnsupportedError], [*UnknownKindError],
// [*UnknownOperationError], [*AmbiguousOperationError],
// [*UnknownFieldsError], [*ExitError]) or match a sentinel with errors.Is
// ([ErrUnsupported], [ErrPathNotFound], [ErrNoClient],
// [ErrConditionFailed], [ErrForeignApplySet], [ErrLostConnection]).
//
// # Caches
//
// Discovery and the OpenAPI documents are cached on disk, shared by the
// user's processes ([CacheDir], [DiscoveryTTL]), so that a warm process
// resolves kinds and operations without a request; a kind or operation
// missing from the cache (a CRD created a second ago) is looked up again
// once before the call fails with a suggestion.
package kobj
