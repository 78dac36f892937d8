// Package oracle holds kobj's differential tests: kobj and the real code of
// a tool it claims to behave like (kstatus's status.Compute, kubectl wait),
// run on the same inputs, every answer compared. The differences that remain
// on purpose are listed in doc/design.md; any other is a failure.
package oracle
