package runner

import (
	"context"
	"net"
	"strconv"
	"sync"
)

// endpoints hands out per-endpoint connection slots.
type endpoints struct {
	mu    sync.Mutex
	slots map[string]chan struct{}
	per   int
}

func (e *endpoints) sem(addr string) chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.slots[addr]
	if !ok {
		s = make(chan struct{}, e.per)
		e.slots[addr] = s
	}
	return s
}

// slotConn gives its endpoint slot back when closed.
type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// tcpDialer returns a dialer for host:port that waits for a free slot of
// the endpoint, then connects.
func (r *run) tcpDialer(host string, port int) func(context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	sem := r.eps.sem(addr)
	return func(ctx context.Context) (net.Conn, error) {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		conn, err := r.cfg.dial(ctx, "tcp", addr)
		if err != nil {
			<-sem
			return nil, err
		}
		return &slotConn{Conn: conn, release: func() { <-sem }}, nil
	}
}
