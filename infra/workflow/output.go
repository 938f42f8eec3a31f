package workflow

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// syncWriter serializes writes from concurrent stacks.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// prefixWriter prefixes every complete line so concurrent stacks' progress
// stays readable; a partial line waits for its newline or Flush.
type prefixWriter struct {
	out    io.Writer
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := strings.TrimRight(string(p.buf[:i]), "\r")
		p.buf = p.buf[i+1:]
		if _, err := io.WriteString(p.out, p.prefix+line+"\n"); err != nil {
			return len(b), err
		}
	}
}

// Flush writes a trailing partial line.
func (p *prefixWriter) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		_, _ = io.WriteString(p.out, p.prefix+string(p.buf)+"\n")
		p.buf = nil
	}
}
