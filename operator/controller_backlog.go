package operator

// The backlog holds the requests whose only reason is Resynced (the
// cache's initial list, a relist) outside client-go's queue, and feeds
// them in only while that queue is shorter than the number of workers.
// So a live event (Created, Changed, Deleted, OwnedChanged, a Watches
// mapping) never waits behind the whole initial list: it goes straight
// to the queue, which then holds at most `workers` backlog keys ahead of
// it. This is what controller-runtime's priority queue does with its
// LowPriority for initial-list events, kept here on client-go's queue,
// which stays the one place that hands keys to workers (one worker per
// key, backoff per key, merging).
//
// No goroutine feeds it: enqueue feeds after it grows the backlog, and a
// worker feeds after each Done. The queue only shrinks by a worker's Get,
// which is followed by that worker's Done and feed, so a non-empty
// backlog cannot sit beside an idle queue.

// backlogLocked puts req at the back of the backlog unless it is there
// already, then feeds the queue. c.mu is held.
func (c *controller) backlogLocked(req Request) {
	if _, ok := c.backlogged[req]; !ok {
		c.backlogged[req] = struct{}{}
		c.backlog = append(c.backlog, req)
		c.backlogN.Add(1)
	}
	c.feedLocked()
}

// feed moves backlog keys into the queue while it is short of work. An
// empty backlog is the common case after the initial list: it costs no
// lock (a backlog growing meanwhile is fed by the enqueue that grows it).
func (c *controller) feed() {
	if c.backlogN.Load() == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.feedLocked()
}

// feedLocked is feed with c.mu held. Once intake has stopped it drops
// the backlog instead. (A pause clears the backlog itself: while paused,
// workers drop what is fed, as they drop any key.) A key taken out of the backlog by a live event
// (unbacklogLocked) leaves its slot behind, skipped here.
func (c *controller) feedLocked() {
	if c.stopping.Load() {
		c.clearBacklogLocked()
		return
	}
	for len(c.backlog) > 0 && c.queue.Len() < max(c.workers, 1) {
		req := c.backlog[0]
		c.backlog[0] = Request{}
		c.backlog = c.backlog[1:]
		if _, ok := c.backlogged[req]; !ok {
			continue
		}
		delete(c.backlogged, req)
		c.backlogN.Add(-1)
		// A key being reconciled does not lengthen the queue (client-go
		// queues it again at Done): the loop then feeds one more.
		c.queue.Add(req)
	}
	if len(c.backlog) == 0 {
		c.backlog = nil // let the drained array go
	}
}

// unbacklogLocked takes req out of the backlog, for a live event that
// queues it at once. c.mu is held.
func (c *controller) unbacklogLocked(req Request) {
	if _, ok := c.backlogged[req]; ok {
		delete(c.backlogged, req)
		c.backlogN.Add(-1)
	}
}

// clearBacklogLocked forgets the backlog. c.mu is held.
func (c *controller) clearBacklogLocked() {
	c.backlog = nil
	clear(c.backlogged)
	c.backlogN.Store(0)
}
