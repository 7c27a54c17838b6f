/*
 * The baseline of bench/download.sh: a bare HTTP/1.1 server on loopback that answers every GET
 * with one file, as Content-Length and sendfile(2), and nothing else (no parsing beyond the end of
 * the request head, keep-alive, one connection at a time).
 *
 *   sendfile-server FILE PORTFILE   listens on 127.0.0.1 on a free port, written to PORTFILE
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void serve(int c, int fd, off_t size) {
  char req[8192];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(c, req + have, sizeof req - 1 - have);
    if (n <= 0) return;
    have += (size_t)n;
    req[have] = 0;
    char *end = strstr(req, "\r\n\r\n");
    if (end == NULL) {
      if (have == sizeof req - 1) return;
      continue;
    }
    char head[256];
    int len = snprintf(head, sizeof head,
                       "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                       "Content-Length: %lld\r\n\r\n", (long long)size);
    if (write(c, head, (size_t)len) != len) return;
    off_t off = 0;
    while (off < size) {
      if (sendfile(c, fd, &off, (size_t)(size - off)) <= 0) return;
    }
    size_t used = (size_t)(end + 4 - req);
    memmove(req, end + 4, have - used);
    have -= used;
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s FILE PORTFILE\n", argv[0]);
    return 2;
  }
  int fd = open(argv[1], O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) {
    perror(argv[1]);
    return 1;
  }
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 16) != 0 ||
      getsockname(s, (struct sockaddr *)&a, &alen) != 0) {
    perror("listen");
    return 1;
  }
  FILE *pf = fopen(argv[2], "w");
  if (pf == NULL) {
    perror(argv[2]);
    return 1;
  }
  fprintf(pf, "%d\n", ntohs(a.sin_port));
  fclose(pf);
  for (;;) {
    int c = accept(s, NULL, NULL);
    if (c < 0) continue;
    serve(c, fd, st.st_size);
    close(c);
  }
}
