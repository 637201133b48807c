/*
 * test_conntab.c - the per-address connection table: keys (IPv4 and its
 * IPv6-mapped form alike), sums over worker slots, removal that keeps every
 * other entry reachable (checked against a plain model with random
 * operations on small tables that wrap around), a full table, dropping a
 * dead worker's slot, and the request-phase allowance.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "conntab.h"
#include "unit.h"

static const uint8_t seed[16] = "0123456789abcdef";

static struct conntab *
table(uint32_t size, const uint8_t *s)
{
	struct conntab *t = malloc(conntab_bytes(size));

	if (t == NULL)
		abort();
	conntab_init(t, size, s);
	return (t);
}

/* The key of "10.0.0.N" (distinct for N < 65536). */
static void
key_n(unsigned n, uint8_t *key)
{
	char addr[32];

	snprintf(addr, sizeof(addr), "10.0.%u.%u", n / 256, n % 256);
	if (conntab_key_text(addr, key) != 0)
		abort();
}

static void
test_conntab_keys(void)
{
	uint8_t a[CONNTAB_KEYLEN], b[CONNTAB_KEYLEN], zero[CONNTAB_KEYLEN];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr_un sun;

	memset(zero, 0, sizeof(zero));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(80);
	inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
	conntab_key_sockaddr((struct sockaddr *)&sin, a);
	CHECK_EQ(conntab_key_text("192.0.2.1", b), 0);
	CHECK_MEM(a, b, CONNTAB_KEYLEN);
	/* the port is no part of it */
	sin.sin_port = htons(81);
	conntab_key_sockaddr((struct sockaddr *)&sin, b);
	CHECK_MEM(a, b, CONNTAB_KEYLEN);
	/* a dual-stack socket's view of the same client */
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:192.0.2.1", &sin6.sin6_addr);
	conntab_key_sockaddr((struct sockaddr *)&sin6, b);
	CHECK_MEM(a, b, CONNTAB_KEYLEN);
	CHECK_EQ(conntab_key_text("::ffff:192.0.2.1", b), 0);
	CHECK_MEM(a, b, CONNTAB_KEYLEN);
	CHECK_EQ(conntab_key_text("192.0.2.2", b), 0);
	CHECK(memcmp(a, b, CONNTAB_KEYLEN) != 0);
	CHECK_EQ(conntab_key_text("2001:db8::1", b), 0);
	CHECK_EQ(b[0], 0x20);
	CHECK_EQ(b[15], 1);
	/* not addresses */
	CHECK_EQ(conntab_key_text("local", b), -1);
	CHECK_EQ(conntab_key_text("", b), -1);
	CHECK_EQ(conntab_key_text("192.0.2.1:80", b), -1);
	/* every Unix-socket peer is one key */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memset(a, 0xaa, sizeof(a));
	conntab_key_sockaddr((struct sockaddr *)&sun, a);
	CHECK_MEM(a, zero, CONNTAB_KEYLEN);
}

static void
test_conntab_sum_over_slots(void)
{
	struct conntab *t = table(64, seed);
	uint8_t k[CONNTAB_KEYLEN], other[CONNTAB_KEYLEN];
	uint32_t c, r;

	key_n(1, k);
	key_n(2, other);
	CHECK_EQ(conntab_add(t, k, 0, 1, 1), 0);
	CHECK_EQ(conntab_add(t, k, 3, 2, 1), 0);
	CHECK_EQ(conntab_add(t, k, 3, 1, 0), 0);
	conntab_sum(t, k, &c, &r);
	CHECK_EQ(c, 4);
	CHECK_EQ(r, 2);
	conntab_sum(t, other, &c, &r);
	CHECK_EQ(c, 0);
	CHECK_EQ(r, 0);
	CHECK_EQ(t->nused, 2);
	/* an upgrade: out of the request phase */
	CHECK_EQ(conntab_add(t, k, 0, 0, -1), 0);
	conntab_sum(t, k, &c, &r);
	CHECK_EQ(c, 4);
	CHECK_EQ(r, 1);
	/* falling to nothing frees the entry; nothing goes below 0 */
	CHECK_EQ(conntab_add(t, k, 0, -1, 0), 0);
	CHECK_EQ(t->nused, 1);
	CHECK_EQ(conntab_add(t, k, 3, -5, -5), 0);
	CHECK_EQ(t->nused, 0);
	conntab_sum(t, k, &c, &r);
	CHECK_EQ(c, 0);
	CHECK_EQ(r, 0);
	/* taking from nothing adds nothing */
	CHECK_EQ(conntab_add(t, other, 1, -1, -1), 0);
	CHECK_EQ(t->nused, 0);
	free(t);
}

static void
test_conntab_full(void)
{
	struct conntab *t = table(16, seed);
	uint8_t k[CONNTAB_KEYLEN];
	uint32_t c, r;
	unsigned i;

	CHECK_EQ(conntab_capacity(t), 12);
	for (i = 0; i < 12; i++) {
		key_n(i, k);
		CHECK_EQ(conntab_add(t, k, 0, 1, 1), 0);
	}
	key_n(12, k);
	CHECK_EQ(conntab_add(t, k, 0, 1, 1), -1);
	conntab_sum(t, k, &c, &r);
	CHECK_EQ(c, 0);
	/* a known (key, slot) still counts; a new slot for it does not fit */
	key_n(3, k);
	CHECK_EQ(conntab_add(t, k, 0, 1, 0), 0);
	CHECK_EQ(conntab_add(t, k, 1, 1, 0), -1);
	conntab_sum(t, k, &c, &r);
	CHECK_EQ(c, 2);
	CHECK_EQ(r, 1);
	CHECK_EQ(t->nused, 12);
	free(t);
}

static void
test_conntab_drop_slot(void)
{
	struct conntab *t = table(64, seed);
	uint8_t k[CONNTAB_KEYLEN];
	uint32_t c, r;
	unsigned i;

	for (i = 0; i < 20; i++) {
		key_n(i % 7, k);
		CHECK_EQ(conntab_add(t, k, (uint16_t)(i % 3), 1, 1), 0);
	}
	CHECK_EQ(conntab_drop_slot(t, 1), 7);	/* i = 1, 4, ..., 19 */
	CHECK_EQ(conntab_drop_slot(t, 1), 0);
	for (i = 0; i < 7; i++) {
		unsigned want = 0, j;

		for (j = 0; j < 20; j++)
			if (j % 7 == i && j % 3 != 1)
				want++;
		key_n(i, k);
		conntab_sum(t, k, &c, &r);
		CHECK_EQ(c, want);
	}
	CHECK_EQ(conntab_drop_slot(t, 0) + conntab_drop_slot(t, 2), 13);
	CHECK_EQ(t->nused, 0);
	free(t);
}

/*
 * Random adds, removals and dropped slots on small tables (so runs wrap
 * around the end), each followed by a comparison of every key's sums with
 * a plain array.
 */
#define MK	40	/* keys */
#define MS	4	/* slots */

static void
model_run(uint32_t size, unsigned rounds, unsigned rseed)
{
	static uint32_t mc[MK][MS], mr[MK][MS];
	uint8_t s[16], k[CONNTAB_KEYLEN];
	struct conntab *t;
	uint32_t c, r, wc, wr, used;
	unsigned n, i, j, kk, sl;
	int32_t dc, dr;
	int rc;

	srandom(rseed);
	for (i = 0; i < 16; i++)
		s[i] = (uint8_t)random();
	t = table(size, s);
	memset(mc, 0, sizeof(mc));
	memset(mr, 0, sizeof(mr));
	for (n = 0; n < rounds && !unit_case_failed; n++) {
		kk = (unsigned)random() % MK;
		sl = (unsigned)random() % MS;
		key_n(kk, k);
		if (random() % 50 == 0) {
			uint64_t want = 0;

			for (i = 0; i < MK; i++) {
				want += mc[i][sl];
				mc[i][sl] = mr[i][sl] = 0;
			}
			CHECK_EQ(conntab_drop_slot(t, (uint16_t)sl), want);
		} else {
			/* requests <= conns, as the server keeps them */
			switch (random() % 4) {
			case 0:
			case 1:
				dc = 1;
				dr = 1;
				break;
			case 2:
				dc = 0;
				dr = mr[kk][sl] > 0 ? -1 : 0;
				break;
			default:
				dc = -1;
				dr = mr[kk][sl] >= mc[kk][sl] &&
				    mr[kk][sl] > 0 ? -1 : 0;
				break;
			}
			used = 0;
			for (i = 0; i < MK; i++)
				for (j = 0; j < MS; j++)
					used += mc[i][j] + mr[i][j] > 0;
			rc = conntab_add(t, k, (uint16_t)sl, dc, dr);
			if (mc[kk][sl] + mr[kk][sl] == 0 && dc > 0 &&
			    used >= conntab_capacity(t)) {
				CHECK_EQ(rc, -1);
			} else {
				CHECK_EQ(rc, 0);
				if (dc < 0 && mc[kk][sl] > 0)
					mc[kk][sl]--;
				else if (dc > 0)
					mc[kk][sl]++;
				if (dr < 0 && mr[kk][sl] > 0)
					mr[kk][sl]--;
				else if (dr > 0)
					mr[kk][sl]++;
			}
		}
		used = 0;
		for (i = 0; i < MK; i++) {
			wc = wr = 0;
			for (j = 0; j < MS; j++) {
				wc += mc[i][j];
				wr += mr[i][j];
				used += mc[i][j] + mr[i][j] > 0;
			}
			key_n(i, k);
			conntab_sum(t, k, &c, &r);
			CHECK_EQ(c, wc);
			CHECK_EQ(r, wr);
		}
		CHECK_EQ(t->nused, used);
	}
	free(t);
}

static void
test_conntab_model(void)
{
	unsigned i;

	for (i = 1; i <= 20; i++)
		model_run(i % 2 ? 64 : 256, 4000, i);
	/* 160 (key, slot) pairs for 96 entries: often full */
	model_run(128, 20000, 99);
}

static void
test_conntab_fits(void)
{
	CHECK(conntab_fits(0, 1000000, 1000000));
	CHECK_EQ(conntab_request_allowance(1), 1);
	CHECK_EQ(conntab_request_allowance(2), 1);
	CHECK_EQ(conntab_request_allowance(3), 2);
	CHECK_EQ(conntab_request_allowance(4), 2);
	CHECK_EQ(conntab_request_allowance(4294967295u), 2147483648u);
	CHECK(conntab_fits(1, 0, 0));
	CHECK(!conntab_fits(1, 1, 0));
	CHECK(!conntab_fits(1, 1, 1));
	CHECK(conntab_fits(4, 1, 1));
	CHECK(conntab_fits(4, 3, 1));
	CHECK(!conntab_fits(4, 2, 2));
	CHECK(!conntab_fits(4, 4, 0));
	CHECK(conntab_fits(3, 2, 1));
	CHECK(!conntab_fits(3, 2, 2));
}

int
main(void)
{
	UNIT_RUN(test_conntab_keys);
	UNIT_RUN(test_conntab_sum_over_slots);
	UNIT_RUN(test_conntab_full);
	UNIT_RUN(test_conntab_drop_slot);
	UNIT_RUN(test_conntab_model);
	UNIT_RUN(test_conntab_fits);
	return (UNIT_END("conntab"));
}
