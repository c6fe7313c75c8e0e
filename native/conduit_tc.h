/* Shared between the BPF program and the layout test: the maps' key and value types.
 * The C# mirror is src/Conduit/Tracking/Ebpf/EbpfMaps.cs; both sides are pinned by static asserts here and by
 * tests/Conduit.Tests/Ebpf/MapLayoutTests.cs (which reads this object's BTF). Change both or neither. */
#ifndef CONDUIT_TC_H
#define CONDUIT_TC_H

#include <linux/types.h>

/* Remote address: IPv6 as is, IPv4 as an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
struct conduit_addr {
	__u8 bytes[16];
};

/* Per-CPU totals for one remote address since it entered the map. */
struct conduit_counters {
	__u64 bytes_in;
	__u64 packets_in;
	__u64 bytes_out;
	__u64 packets_out;
};

/* Excluded TCP/UDP ports as a bitmap (bit p set = port p excluded), plus how offset 0 of a packet is framed. */
struct conduit_config {
	__u64 port_bits[1024];
	__u32 raw_ip; /* 1: the device has no link-layer header (tun, wireguard): packets start with the IP header */
	__u32 reserved;
};

/* Indexes into the per-CPU "conduit_stats" array. */
enum conduit_stat {
	CONDUIT_STAT_MALFORMED = 0,  /* truncated or inconsistent headers */
	CONDUIT_STAT_NON_IP = 1,     /* ARP, LLDP, ... */
	CONDUIT_STAT_OTHER_PROTO = 2, /* IP but neither TCP nor UDP (ICMP, ...), not counted per address */
	CONDUIT_STAT_EXCLUDED = 3,   /* TCP/UDP to or from an excluded port */
	CONDUIT_STAT_NEW_ENTRIES = 4, /* addresses inserted into the LRU map: minus the live ones = evictions */
	CONDUIT_STAT_MAP_FULL = 5,   /* inserts that failed outright */
	CONDUIT_STAT_COUNT = 8,
};

#define CONDUIT_MAX_ADDRESSES 65536

_Static_assert(sizeof(struct conduit_addr) == 16, "conduit_addr is 16 bytes");
_Static_assert(sizeof(struct conduit_counters) == 32, "conduit_counters is 32 bytes");
_Static_assert(__builtin_offsetof(struct conduit_counters, bytes_in) == 0, "bytes_in at 0");
_Static_assert(__builtin_offsetof(struct conduit_counters, packets_in) == 8, "packets_in at 8");
_Static_assert(__builtin_offsetof(struct conduit_counters, bytes_out) == 16, "bytes_out at 16");
_Static_assert(__builtin_offsetof(struct conduit_counters, packets_out) == 24, "packets_out at 24");
_Static_assert(sizeof(struct conduit_config) == 8200, "conduit_config is 8200 bytes");
_Static_assert(__builtin_offsetof(struct conduit_config, raw_ip) == 8192, "raw_ip at 8192");

#endif
