//go:build !linux

package capture

import "errors"

func openLive(iface string, cfg *config) (liveHandle, error) {
	return nil, errors.New("live capture needs Linux (AF_PACKET)")
}
