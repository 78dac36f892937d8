package operator

// condition is one status condition SetCondition was asked to set.
type condition struct {
	Type, Status, Reason, Message string
}
