package reports

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Webhook network rules. A webhook URL is chosen by an admin, and the
// server POSTs to it from inside the operator's network: unchecked, it
// reaches the database, a cache or the service itself (SSRF). So a
// delivery may connect only to a public address, checked on the address
// actually dialled (after DNS, so a name that resolves to a public address
// at registration and to 127.0.0.1 later is refused then), unless the
// operator allow-lists the host name or a network: an on-site relay is a
// normal target. Registration refuses what it can already tell, an IP
// literal in a refused range, with 422 naming url.

// refusedNets are the ranges a delivery may not connect to, with what each
// is. Public unicast is what is left. IPv4-mapped IPv6 addresses are
// unmapped first; NAT64 and 6to4 addresses are judged by the IPv4 address
// they carry.
var refusedNets = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified (this network)"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved (IETF protocol assignments)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved (benchmarking)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (and broadcast)"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible (deprecated)"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
	{netip.MustParsePrefix("fc00::/7"), "unique-local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (deprecated)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// Translation prefixes whose addresses carry an IPv4 address.
var (
	nat64  = []netip.Prefix{netip.MustParsePrefix("64:ff9b::/96"), netip.MustParsePrefix("64:ff9b:1::/48")}
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// refusedRange names the refused range holding a, or "".
func refusedRange(a netip.Addr) string {
	for _, r := range refusedNets {
		if r.prefix.Contains(a) {
			return r.what
		}
	}
	return ""
}

// addrRefused says why a delivery may not connect to a, or "" when it may.
func addrRefused(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	if !a.IsValid() {
		return "not an address"
	}
	if a.Is6() {
		b := a.As16()
		var v4 netip.Addr
		switch {
		case nat64[0].Contains(a), nat64[1].Contains(a):
			v4 = netip.AddrFrom4([4]byte(b[12:16]))
		case sixTo4.Contains(a):
			v4 = netip.AddrFrom4([4]byte(b[2:6]))
		}
		if v4.IsValid() {
			if why := refusedRange(v4); why != "" {
				return why + " (inside an IPv6 translation address)"
			}
			return ""
		}
	}
	return refusedRange(a)
}

// Allow is the operator's allow-list (--webhook-allow): host names a
// delivery may reach whatever they resolve to, and networks it may
// connect to although they lie in a refused range. The zero value allows
// nothing beyond public addresses.
type Allow struct {
	Hosts []string       // lower case, without a trailing dot
	Nets  []netip.Prefix // IPv4 ones in IPv4 form
}

// ParseAllow reads a comma-separated list of host names, IP addresses and
// CIDR networks, such as "relay.store.internal,10.20.0.0/16,fd00::5".
func ParseAllow(s string) (Allow, error) {
	var a Allow
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			a.Nets = append(a.Nets, unmapPrefix(p.Masked()))
			continue
		}
		if ip, err := netip.ParseAddr(part); err == nil {
			ip = ip.WithZone("").Unmap()
			a.Nets = append(a.Nets, netip.PrefixFrom(ip, ip.BitLen()))
			continue
		}
		h := hostKey(part)
		if !validHostName(h) {
			return Allow{}, fmt.Errorf("want host names, IP addresses or CIDR networks separated by commas, got %q", part)
		}
		a.Hosts = append(a.Hosts, h)
	}
	return a, nil
}

// String is the list as ParseAllow reads it.
func (a Allow) String() string {
	parts := append([]string(nil), a.Hosts...)
	for _, n := range a.Nets {
		parts = append(parts, n.String())
	}
	return strings.Join(parts, ",")
}

// hostAllowed reports whether host (a URL's host name) is allow-listed by name.
func (a Allow) hostAllowed(host string) bool {
	h := hostKey(host)
	for _, x := range a.Hosts {
		if x == h {
			return true
		}
	}
	return false
}

// addrAllowed reports whether ip lies in an allow-listed network.
func (a Allow) addrAllowed(ip netip.Addr) bool {
	ip = ip.WithZone("").Unmap()
	for _, n := range a.Nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// checkHost is registration's check of a URL's host name: an IP literal in
// a refused range, a localhost name or a number that is not a canonical IP
// address (which some resolvers read as one: "127.1", "2130706433") is
// refused unless allow-listed. Other names are checked when dialled.
func (a Allow) checkHost(host string) string {
	if a.hostAllowed(host) {
		return ""
	}
	h := hostKey(host)
	if ip, err := netip.ParseAddr(h); err == nil {
		if why := addrRefused(ip); why != "" && !a.addrAllowed(ip) {
			return fmt.Sprintf("url may not point at %s, a %s address, unless the operator allow-lists it (--webhook-allow)", ip.WithZone(""), why)
		}
		return ""
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return fmt.Sprintf("url may not point at %s, a loopback name, unless the operator allow-lists it (--webhook-allow)", h)
	}
	last := h[strings.LastIndexByte(h, '.')+1:]
	if last != "" && (strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x")) {
		return fmt.Sprintf("url host %q is neither a host name nor an IP address in standard form", host)
	}
	return ""
}

func hostKey(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }

func unmapPrefix(p netip.Prefix) netip.Prefix {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p
}

// validHostName reports whether h is a DNS name of letters, digits,
// hyphens and underscores in dot-separated labels.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// refusedDial is the error of a connection the network rules refused. It
// goes to the server log; the delivery records only the generic error.
type refusedDial struct {
	addr netip.Addr
	why  string
}

func (e *refusedDial) Error() string {
	return fmt.Sprintf("webhook destination %s is a %s address, not in --webhook-allow", e.addr, e.why)
}

// deliveryClient is the HTTP client of deliveries: it dials only what
// the network rules allow, goes to the receiver directly (no proxy from
// the environment, which would dial on our behalf past the check) and
// follows no redirect (a 3xx is the receiver's answer, and a failure).
func deliveryClient(allow Allow, timeout time.Duration) *http.Client {
	guarded := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &refusedDial{why: "unparsable"}
			}
			if why := addrRefused(ap.Addr()); why != "" && !allow.addrAllowed(ap.Addr()) {
				return &refusedDial{addr: ap.Addr().WithZone(""), why: why}
			}
			return nil
		}}
	open := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, _, err := net.SplitHostPort(addr); err == nil && allow.hostAllowed(host) {
				return open.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		},
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           20,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    timeout,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
