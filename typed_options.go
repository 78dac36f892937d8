package kobj

// IntoOption changes how Into, As and ItemsAs fill a typed value from an
// object; Strict is the one there is.
type IntoOption interface{ applyToInto(*intoOptions) }

type intoOptions struct {
	strict bool // unknown fields are an error
}

// StrictOption is the IntoOption that Strict returns.
type StrictOption struct{}

// Strict returns an IntoOption under which a field of the object that the
// Go type has no place for is an error, an *UnknownFieldsError listing
// every such field, instead of being dropped.
func Strict() StrictOption { return StrictOption{} }

func (StrictOption) applyToInto(o *intoOptions) { o.strict = true }

func gatherInto(opts []IntoOption) intoOptions {
	var io intoOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyToInto(&io)
		}
	}
	return io
}
