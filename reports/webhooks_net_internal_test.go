package reports

import (
	"net/netip"
	"testing"
)

// addrRefused is the dial-time rule: every address of a refused range, in
// each of its spellings, is refused, and the public ones on either side of
// a range's edge are not.
func TestAddrRefused(t *testing.T) {
	for _, c := range []struct {
		addr    string
		refused bool
	}{
		{"0.0.0.0", true}, {"0.1.2.3", true},
		{"127.0.0.1", true}, {"127.255.255.254", true},
		{"10.0.0.1", true}, {"10.255.255.255", true}, {"11.0.0.1", false}, {"9.255.255.255", false},
		{"172.16.0.1", true}, {"172.31.255.255", true}, {"172.15.255.255", false}, {"172.32.0.0", false},
		{"192.168.0.1", true}, {"192.169.0.1", false},
		{"100.64.0.1", true}, {"100.127.255.255", true}, {"100.63.255.255", false}, {"100.128.0.0", false},
		{"169.254.169.254", true}, // the cloud metadata service
		{"192.0.0.8", true}, {"198.18.0.1", true}, {"198.20.0.1", false},
		{"224.0.0.1", true}, {"239.255.255.250", true}, {"240.0.0.1", true}, {"255.255.255.255", true},
		{"93.184.215.14", false}, {"8.8.8.8", false}, {"1.1.1.1", false},
		{"::", true}, {"::1", true}, {"::127.0.0.1", true},
		{"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true}, {"::ffff:169.254.169.254", true}, {"::ffff:8.8.8.8", false},
		{"fe80::1", true}, {"fe80::1%eth0", true}, {"febf::1", true},
		{"fc00::1", true}, {"fd12:3456::1", true}, {"fec0::1", true},
		{"ff02::1", true}, {"ff05::2", true},
		{"64:ff9b::7f00:1", true}, {"64:ff9b::a00:1", true}, {"64:ff9b::808:808", false},
		{"2002:7f00:1::1", true}, {"2002:c0a8:101::1", true}, {"2002:808:808::1", false},
		{"2001:0:4136:e378::1", true}, {"100::1", true},
		{"2606:4700:4700::1111", false}, {"2a00:1450:4001::200e", false},
	} {
		a := netip.MustParseAddr(c.addr)
		if got := addrRefused(a); (got != "") != c.refused {
			t.Errorf("%s: refused %q, want refused=%v", c.addr, got, c.refused)
		}
	}
}

// An allow-listed network lets its addresses through in every spelling;
// a host name is matched whole, in any case, with or without the root dot.
func TestAllow(t *testing.T) {
	a, err := ParseAllow(" relay.Store.internal., 10.20.0.0/16 ,::ffff:127.0.0.1,fd00::/8,")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.String(); got != "relay.store.internal,10.20.0.0/16,127.0.0.1/32,fd00::/8" {
		t.Errorf("parsed as %s", got)
	}
	for addr, want := range map[string]bool{
		"10.20.3.4": true, "::ffff:10.20.3.4": true, "10.21.0.1": false,
		"127.0.0.1": true, "::ffff:127.0.0.1": true, "127.0.0.2": false,
		"fd00::5": true, "fc00::5": false,
	} {
		if got := a.addrAllowed(netip.MustParseAddr(addr)); got != want {
			t.Errorf("address %s allowed %v, want %v", addr, got, want)
		}
	}
	for host, want := range map[string]bool{
		"relay.store.internal": true, "RELAY.store.Internal.": true,
		"store.internal": false, "x.relay.store.internal": false, "relay.store.internal.evil.example": false,
	} {
		if got := a.hostAllowed(host); got != want {
			t.Errorf("host %s allowed %v, want %v", host, got, want)
		}
	}
	for _, bad := range []string{"not a host", "10.0.0.0/33", "-x.example", "a..b", "http://relay", "relay:8080"} {
		if _, err := ParseAllow(bad); err == nil {
			t.Errorf("ParseAllow(%q) accepted", bad)
		}
	}
	if a, err := ParseAllow(""); err != nil || len(a.Hosts)+len(a.Nets) != 0 {
		t.Errorf("empty list: %+v %v", a, err)
	}
}
