/* Benchmark traffic generator: UDP from several bound source addresses to one destination, as fast as one core
 * allows, for a bounded time. Run it only inside a network namespace the benchmark created.
 * usage: udpflood DST_IP DST_PORT SECONDS PAYLOAD SRC_IP...   -> prints "sent N" */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SOURCES 64

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: udpflood DST_IP DST_PORT SECONDS PAYLOAD SRC_IP...\n");
		return 2;
	}
	double seconds = atof(argv[3]);
	int payload = atoi(argv[4]);
	if (seconds <= 0 || seconds > 60 || payload < 1 || payload > 1400) {
		fprintf(stderr, "udpflood: SECONDS must be 0..60 and PAYLOAD 1..1400\n");
		return 2;
	}
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) return 2;

	int fds[MAX_SOURCES], n = 0;
	for (int i = 5; i < argc && n < MAX_SOURCES; i++, n++) {
		struct sockaddr_in src = { .sin_family = AF_INET };
		if (inet_pton(AF_INET, argv[i], &src.sin_addr) != 1) return 2;
		fds[n] = socket(AF_INET, SOCK_DGRAM, 0);
		if (fds[n] < 0 || bind(fds[n], (struct sockaddr *)&src, sizeof(src)) < 0 ||
		    connect(fds[n], (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			perror("udpflood: socket");
			return 1;
		}
	}

	static char buffer[1400];
	struct iovec iov = { .iov_base = buffer, .iov_len = (size_t)payload };
	struct mmsghdr msgs[BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	unsigned long long sent = 0;
	double end = now() + seconds;
	for (int k = 0; now() < end; k = (k + 1) % n) {
		int r = sendmmsg(fds[k], msgs, BATCH, 0);
		if (r > 0) sent += (unsigned long long)r;
	}
	printf("sent %llu\n", sent);
	return 0;
}
