package lab

import "net/url"

func parseURI(s string) (*url.URL, error) { return url.Parse(s) }
