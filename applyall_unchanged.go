package kobj

import "github.com/kobj-dev/kobj/internal/ssa"

// An unchanged set applied again sends no write. ApplyAll reads each object
// as the server holds it before applying, and an apply that would change
// nothing on the server (internal/ssa's AppliesNothing says when that is
// sure) is not sent.

// appliesNothingTo reports whether applying o with opts, as ApplyAll
// would, to live (member m as the server holds it) would change nothing.
func (c *Client) appliesNothingTo(o *Object, live map[string]any, m setMember, opts []ApplyOption) bool {
	co, err := gather(opts, ApplyOption.applyToApply)
	if err != nil {
		return false
	}
	manager := co.fieldManager
	if manager == "" {
		manager = c.manager
	}
	served, err := o.lastServed()
	if err != nil {
		return false
	}
	body, err := ssa.Body(o.u.Object, served, manager, false, m.Name, m.Namespace)
	return err == nil && ssa.AppliesNothing(body, live, manager)
}
