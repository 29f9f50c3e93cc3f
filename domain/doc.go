// Package domain holds paycore's business types and rules: Money, Client,
// Order, Payment with its Attempts, Refund, Notification and the events they
// raise. It imports the standard library only; every state change is a method
// that returns a sentinel error when the move is not allowed
// (docs/merchant-api.md §6.2).
package domain
