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
// lists every page and fills [Object.Items].
//
// Options are small values. Each verb takes its own option interface
// ([CreateOption], [ReadOption], [UpdateOption], [DeleteOption],
// [EditOption], [CallOption]), so an option a verb cannot take is a
// compile error. Errors from the server are apimachinery's
// *errors.StatusError, so apierrors.IsNotFound(err) and friends work;
// errors of kobj's own start with "kobj: " and name the call.
//
// # Operations by name
//
// [Client.Call] runs any operation of the server's OpenAPI v3 documents by
// its operationId ("listCoreV1NamespacedPod") or Hikaru's short form
// ("listNamespacedPod"), with [Args] checked before any request.
// [Object.Call] fills in the object's name, namespace and body for the
// operations of its own kind. [Client.CallAsync] and [Object.CallAsync]
// return a [Response] at once, as a future. [Client.Operations] lists the
// operations with their parameters and descriptions.
//
// # Caches
//
// Discovery and the OpenAPI documents are cached on disk, shared by the
// user's processes ([CacheDir], [DiscoveryTTL]), so that a warm process
// resolves kinds and operations without a request; a kind or operation
// missing from the cache (a CRD created a second ago) is looked up again
// once before the call fails with a suggestion.
package kobj
