// Command netcheck is the test image of the kubenode tests.
//
//	netcheck serve ADDR        answers each line read on a TCP connection with
//	                           "echo from HOSTNAME: LINE"
//	netcheck dial ADDR MESSAGE sends MESSAGE, prints the answer; retries for a minute
package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "serve":
		err = serve(os.Args[2])
	case len(os.Args) == 4 && os.Args[1] == "dial":
		err = dial(os.Args[2], os.Args[3])
	default:
		err = fmt.Errorf("usage: netcheck serve ADDR | netcheck dial ADDR MESSAGE")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "netcheck:", err)
		os.Exit(1)
	}
}

func serve(addr string) error {
	host, _ := os.Hostname()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Println("serving on", l.Addr())
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(30 * time.Second))
			sc := bufio.NewScanner(c)
			for sc.Scan() {
				fmt.Fprintf(c, "echo from %s: %s\n", host, sc.Text())
			}
		}()
	}
}

func dial(addr, msg string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		answer, err := exchange(addr, msg)
		if err == nil {
			fmt.Printf("dialed %s, answer: %s\n", addr, answer)
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		fmt.Fprintln(os.Stderr, "retrying:", err)
		time.Sleep(time.Second)
	}
}

func exchange(addr, msg string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintln(c, msg); err != nil {
		return "", err
	}
	answer, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("reading the answer from %s: %w", addr, err)
	}
	return strings.TrimSpace(answer), nil
}
