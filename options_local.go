package kobj

// The options of the verbs that work on the local object alone, without
// the server: [Object.Into], [As] and [ItemsAs] take an [IntoOption];
// [Object.Merge] a [MergeOption].

// IntoOption changes how Into, As and ItemsAs fill a typed value from an
// object; Strict is the one there is.
type IntoOption interface{ applyToInto(*intoOptions) }

type (
	intoOptions  struct{ strict bool } // unknown fields are an error
	strictOption struct{}
)

func (strictOption) applyToInto(o *intoOptions) { o.strict = true }

// Strict returns an IntoOption under which a field of the object that the
// Go type has no place for is an error, an *UnknownFieldsError listing
// every such field, instead of being dropped. Into, As and ItemsAs take
// it.
func Strict() IntoOption { return strictOption{} }

func gatherInto(opts []IntoOption) intoOptions {
	var io intoOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyToInto(&io)
		}
	}
	return io
}

// MergeOption changes how Merge works; Overwrite is the one there is.
type MergeOption interface{ applyToMerge(*mergeOptions) }

type (
	mergeOptions    struct{ overwrite bool }
	overwriteOption struct{}
)

func (overwriteOption) applyToMerge(o *mergeOptions) { o.overwrite = true }

// Overwrite returns a MergeOption under which the null values of the object
// merged in clear (delete) the same fields of the target, rather than being
// skipped. A null element of a list sets the target's element to null.
// Merge takes it.
func Overwrite() MergeOption { return overwriteOption{} }
