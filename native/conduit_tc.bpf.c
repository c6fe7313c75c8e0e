// SPDX-License-Identifier: GPL-2.0 OR MIT
/* conduit's in-kernel traffic counter, attached with TC (clsact) to the capture interface, one program per
 * direction. Each TCP/UDP packet adds its IP length (IPv4 total length, IPv6 40 + payload length: the same
 * definition as the pcap backend) to a per-CPU LRU map keyed by the remote address: the source on ingress,
 * the destination on egress. Packets are never changed or dropped (always TC_ACT_OK). */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "conduit_tc.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86DD
#define ETHERTYPE_VLAN 0x8100   /* 802.1Q */
#define ETHERTYPE_QINQ 0x88A8   /* 802.1ad */
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETH_HEADER_LEN 14
#define MAX_VLAN_TAGS 2
#define MAX_IPV6_EXT_HEADERS 6

#define PROTO_TCP 6
#define PROTO_UDP 17
#define IPV6_HOP_BY_HOP 0
#define IPV6_ROUTING 43
#define IPV6_FRAGMENT 44
#define IPV6_AUTH 51
#define IPV6_DEST_OPTS 60

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, CONDUIT_MAX_ADDRESSES);
	__type(key, struct conduit_addr);
	__type(value, struct conduit_counters);
} conduit_remotes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CONDUIT_STAT_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} conduit_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct conduit_config);
} conduit_config SEC(".maps");

static __always_inline void bump(__u32 stat)
{
	__u64 *value = bpf_map_lookup_elem(&conduit_stats, &stat);
	if (value)
		*value += 1; /* per-CPU slot: no atomics needed */
}

/* Copies len bytes at off: straight from the linear packet data when it holds them (the usual case, a few
 * loads), else through the helper, which also reads paged data. Always into the stack so the verifier sees one
 * pointer type per instruction. */
static __always_inline int load(struct __sk_buff *skb, __u32 off, void *to, const __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	if (off <= 0xffff && data + off + len <= data_end) {
		__builtin_memcpy(to, data + off, len);
		return 0;
	}
	return bpf_skb_load_bytes(skb, off, to, len);
}

static __always_inline int port_excluded(const struct conduit_config *config, __u16 port)
{
	return (config->port_bits[(port >> 6) & 1023] >> (port & 63)) & 1;
}

static __always_inline void account(const struct conduit_addr *remote, __u64 bytes, int egress)
{
	struct conduit_counters *counters = bpf_map_lookup_elem(&conduit_remotes, remote);
	if (!counters) {
		struct conduit_counters zero = {};
		int err = bpf_map_update_elem(&conduit_remotes, remote, &zero, BPF_NOEXIST);
		if (err == 0)
			bump(CONDUIT_STAT_NEW_ENTRIES);
		counters = bpf_map_lookup_elem(&conduit_remotes, remote);
		if (!counters) {
			bump(CONDUIT_STAT_MAP_FULL);
			return;
		}
	}
	if (egress) {
		counters->bytes_out += bytes;
		counters->packets_out += 1;
	} else {
		counters->bytes_in += bytes;
		counters->packets_in += 1;
	}
}

static __always_inline int count_packet(struct __sk_buff *skb, int egress)
{
	__u32 zero_key = 0;
	const struct conduit_config *config = bpf_map_lookup_elem(&conduit_config, &zero_key);
	if (!config)
		return TC_ACT_OK;

	__u32 off = 0;
	__u16 ethertype;
	if (config->raw_ip) {
		ethertype = bpf_ntohs(skb->protocol);
	} else {
		if (load(skb, 12, &ethertype, 2) < 0)
			goto malformed;
		ethertype = bpf_ntohs(ethertype);
		off = ETH_HEADER_LEN;
		/* Tags still in the frame (an accelerated outer tag already sits in skb->vlan_tci, not here). */
#pragma unroll
		for (int i = 0; i < MAX_VLAN_TAGS; i++) {
			if (ethertype != ETHERTYPE_VLAN && ethertype != ETHERTYPE_QINQ && ethertype != ETHERTYPE_QINQ_OLD)
				break;
			if (load(skb, off + 2, &ethertype, 2) < 0)
				goto malformed;
			ethertype = bpf_ntohs(ethertype);
			off += 4;
		}
	}

	struct conduit_addr remote = {};
	__u64 ip_len;
	__u8 proto;
	__u32 l4 ;
	int first_fragment = 1;

	if (ethertype == ETHERTYPE_IPV4) {
		__u8 h[20];
		if (load(skb, off, h, sizeof(h)) < 0)
			goto malformed;
		__u32 ihl = (h[0] & 0x0f) * 4;
		ip_len = ((__u32)h[2] << 8) | h[3];
		if ((h[0] >> 4) != 4 || ihl < 20)
			goto malformed;
		if (ip_len == 0) /* a GSO packet over 64 KiB (BIG TCP): the length is the skb's */
			ip_len = skb->len - off;
		if (ip_len < ihl)
			goto malformed;
		proto = h[9];
		first_fragment = (((h[6] & 0x1f) << 8) | h[7]) == 0;
		l4 = off + ihl;
		remote.bytes[10] = 0xff;
		remote.bytes[11] = 0xff;
		__builtin_memcpy(&remote.bytes[12], egress ? &h[16] : &h[12], 4);
	} else if (ethertype == ETHERTYPE_IPV6) {
		__u8 h[40];
		if (load(skb, off, h, sizeof(h)) < 0)
			goto malformed;
		if ((h[0] >> 4) != 6)
			goto malformed;
		ip_len = 40 + (((__u32)h[4] << 8) | h[5]);
		if (ip_len == 40 && skb->len > off + 40) /* jumbogram / BIG TCP: payload length 0 */
			ip_len = skb->len - off;
		proto = h[6];
		__builtin_memcpy(remote.bytes, egress ? &h[24] : &h[8], 16);
		l4 = off + 40;
#pragma unroll
		for (int i = 0; i < MAX_IPV6_EXT_HEADERS; i++) {
			if (proto != IPV6_HOP_BY_HOP && proto != IPV6_ROUTING && proto != IPV6_FRAGMENT &&
			    proto != IPV6_DEST_OPTS && proto != IPV6_AUTH)
				break;
			__u8 ext[4];
			if (load(skb, l4, ext, sizeof(ext)) < 0)
				goto malformed;
			if (proto == IPV6_FRAGMENT) {
				if (((((__u32)ext[2] << 8) | ext[3]) & 0xfff8) != 0)
					first_fragment = 0;
				l4 += 8;
			} else if (proto == IPV6_AUTH) {
				l4 += ((__u32)ext[1] + 2) * 4;
			} else {
				l4 += ((__u32)ext[1] + 1) * 8;
			}
			proto = ext[0];
		}
	} else {
		bump(CONDUIT_STAT_NON_IP);
		return TC_ACT_OK;
	}

	if (proto != PROTO_TCP && proto != PROTO_UDP) {
		bump(CONDUIT_STAT_OTHER_PROTO);
		return TC_ACT_OK;
	}
	/* Ports exist only in the first fragment; later fragments are counted like the pcap filter does. */
	if (first_fragment) {
		__u16 ports[2];
		if (load(skb, l4, ports, sizeof(ports)) < 0)
			goto malformed;
		if (port_excluded(config, bpf_ntohs(ports[0])) || port_excluded(config, bpf_ntohs(ports[1]))) {
			bump(CONDUIT_STAT_EXCLUDED);
			return TC_ACT_OK;
		}
	}
	account(&remote, ip_len, egress);
	return TC_ACT_OK;

malformed:
	bump(CONDUIT_STAT_MALFORMED);
	return TC_ACT_OK;
}

SEC("tc")
int conduit_ingress(struct __sk_buff *skb)
{
	return count_packet(skb, 0);
}

SEC("tc")
int conduit_egress(struct __sk_buff *skb)
{
	return count_packet(skb, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
