// Package ssa is kobj's field-ownership core for server-side apply, on
// JSON-shaped maps: it reads the fieldsV1 sets of an object's
// metadata.managedFields, projects from an object the fields a field
// manager owns, builds the body an apply sends (Body), and tells whether an
// apply would change nothing on the server (AppliesNothing), so that a
// caller can skip an apply that has converged.
//
// No schema is needed: fieldsV1 names the fields, and its k:{...} entries
// say which lists are keyed and by what. It knows neither kobj's Object nor
// its Client, and sends no request: maps go in and come out.
package ssa
