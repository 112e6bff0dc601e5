/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A blocking HTTP/1.1 client over raw sockets for the server tests: it sends
 * exactly the bytes it is given (so tests can send what curl would refuse:
 * "..", bad escapes, chunked bodies) and reads the answer until the server
 * closes (requests say "Connection: close").
 */
#ifndef HM_TEST_HTTP_CLIENT_H
#define HM_TEST_HTTP_CLIENT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct http_result {
	int status; /* -1: no answer */
	char head[4096];
	char body[65536];
	size_t body_len;
};

static int http_connect(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int http_send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads the whole answer from fd (until EOF) and closes fd. */
static void http_read_answer(int fd, struct http_result *res)
{
	static __thread char buf[sizeof(res->head) + sizeof(res->body)];
	size_t len = 0;
	char *end;

	res->status = -1;
	res->head[0] = '\0';
	res->body[0] = '\0';
	res->body_len = 0;
	for (;;) {
		ssize_t r = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
		if (len == sizeof(buf) - 1)
			break;
	}
	close(fd);
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/1.%*d %d", &res->status) != 1)
		return;
	end = strstr(buf, "\r\n\r\n");
	if (end == NULL)
		return;
	if ((size_t)(end - buf) < sizeof(res->head)) {
		memcpy(res->head, buf, (size_t)(end - buf));
		res->head[end - buf] = '\0';
	}
	res->body_len = len - (size_t)(end + 4 - buf);
	if (res->body_len >= sizeof(res->body))
		res->body_len = sizeof(res->body) - 1;
	memcpy(res->body, end + 4, res->body_len);
	res->body[res->body_len] = '\0';
}

/* Sends raw and reads the answer. */
static void http_raw(uint16_t port, const char *raw, size_t len, struct http_result *res)
{
	int fd = http_connect(port);

	res->status = -1;
	if (fd < 0)
		return;
	if (http_send_all(fd, raw, len) != 0) {
		close(fd);
		return;
	}
	http_read_answer(fd, res);
}

/* method target [extra header lines, each ending in \r\n] [body]. */
static void http_req(uint16_t port, const char *method, const char *target, const char *headers,
                     const char *body, struct http_result *res)
{
	static __thread char raw[70000];
	size_t blen = body ? strlen(body) : 0;
	int n = snprintf(raw, sizeof(raw) - blen,
	                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s", method,
	                 target, headers ? headers : "");

	if (body)
		n += snprintf(raw + n, sizeof(raw) - (size_t)n, "Content-Length: %zu\r\n", blen);
	n += snprintf(raw + n, sizeof(raw) - (size_t)n, "\r\n");
	if (body) {
		memcpy(raw + n, body, blen);
		n += (int)blen;
	}
	http_raw(port, raw, (size_t)n, res);
}

#endif
