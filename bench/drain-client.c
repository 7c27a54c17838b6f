/*
 * The second client of bench/download.sh: one HTTP/1.1 GET on loopback, the body read into a
 * 1 MiB buffer and dropped, so curl's own costs (its write callback, progress meter, /dev/null
 * writes) are out of the measurement. Prints the body's bytes and the seconds from connect to its
 * last byte; fails unless the status is 200 and Content-Length bytes arrive.
 *
 *   drain-client PORT PATH [HEADER]...
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF (1 << 20)

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s PORT PATH [HEADER]...\n", argv[0]);
    return 2;
  }
  static char buf[BUF];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
    perror("connect");
    return 1;
  }
  int len = snprintf(buf, BUF, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", argv[2]);
  for (int i = 3; i < argc; i++) len += snprintf(buf + len, (size_t)(BUF - len), "%s\r\n", argv[i]);
  len += snprintf(buf + len, (size_t)(BUF - len), "\r\n");
  if (write(s, buf, (size_t)len) != len) {
    perror("write");
    return 1;
  }
  size_t have = 0;
  char *end = NULL;
  while (end == NULL) {
    ssize_t n = read(s, buf + have, BUF - 1 - have);
    if (n <= 0) {
      fprintf(stderr, "no response head\n");
      return 1;
    }
    have += (size_t)n;
    buf[have] = 0;
    end = strstr(buf, "\r\n\r\n");
  }
  if (strncmp(buf, "HTTP/1.1 200", 12) != 0) {
    fprintf(stderr, "%.*s\n", (int)(end - buf), buf);
    return 1;
  }
  long long want = -1;
  for (char *line = strstr(buf, "\r\n") + 2; line < end; line = strstr(line, "\r\n") + 2) {
    if (strncasecmp(line, "Content-Length:", 15) == 0) want = atoll(line + 15);
  }
  if (want < 0) {
    fprintf(stderr, "no Content-Length\n");
    return 1;
  }
  long long got = (long long)(have - (size_t)(end + 4 - buf));
  while (got < want) {
    ssize_t n = read(s, buf, BUF);
    if (n < 0) {
      perror("read");
      return 1;
    }
    if (n == 0) break;
    got += n;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (got != want) {
    fprintf(stderr, "got %lld bytes, Content-Length %lld\n", got, want);
    return 1;
  }
  printf("%lld %.6f\n", got, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
  return 0;
}
