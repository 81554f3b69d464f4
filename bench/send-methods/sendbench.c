// sendbench: a one-thread epoll HTTP/1.1 server that answers every request with the same response of LEN bytes,
// sending the body one of five ways, so that the kernel's CPU per response for each can be compared on one
// machine without a managed runtime in the way (bench/send-methods.sh runs them interleaved; docs/performance.md,
// "Session 12: hits at 1 KB and 100 KB").
//
//   0 copy            sendmsg(head, body) from an anonymous buffer: the kernel copies the body into the socket
//   1 memfd sendfile  send(head, MSG_MORE), then sendfile(2) from a memfd (shmem pages, as the memory tier's files)
//   2 vmsplice        send(head, MSG_MORE), vmsplice(2) of an anonymous mapping into a pipe, splice(2) to the socket
//   3 vmsplice memfd  the same from a read-only MAP_SHARED mapping of a memfd
//   4 file sendfile   send(head, MSG_MORE), then sendfile(2) from FILE (a page-cache file, as nginx's cache file)
//   5 vmsplice huge   as 2, from an anonymous mapping marked MADV_HUGEPAGE (transparent huge pages, when the
//                     system's setting is "madvise" or "always")
//
// Usage: sendbench PORT MODE [LEN [FILE]]   (127.0.0.1 only; a request is anything ending in CRLF CRLF)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum { COPY, MEMFD, VMSPLICE, VMSPLICE_MEMFD, FILE_SENDFILE, VMSPLICE_HUGE };

struct conn { int fd; int pipe[2]; };

static int mode;
static size_t len;
static char *body;
static int body_fd;
static char head[256];
static int head_len;

// One response. A send the socket cannot take at once is retried at once (it does not happen at these sizes with
// the kernel's autotuned send buffer; the benchmark measures the calls, not waiting).
static int respond(struct conn *c)
{
    ssize_t n;
    if (mode == COPY) {
        struct iovec iov[2] = { { head, (size_t)head_len }, { body, len } };
        struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
        if ((n = sendmsg(c->fd, &m, MSG_NOSIGNAL)) < 0) return -1;
        for (size_t done = (size_t)n; done < head_len + len;) {
            size_t off = done - head_len;
            n = send(c->fd, body + off, len - off, MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN) return -1;
            if (n > 0) done += (size_t)n;
        }
        return 0;
    }
    if (send(c->fd, head, head_len, MSG_NOSIGNAL | MSG_MORE) != head_len) return -1;
    if (mode == MEMFD || mode == FILE_SENDFILE) {
        for (off_t off = 0; (size_t)off < len;) {
            if (sendfile(c->fd, body_fd, &off, len - off) < 0 && errno != EAGAIN) return -1;
        }
        return 0;
    }
    for (size_t done = 0; done < len;) {
        struct iovec iov = { body + done, len - done };
        if ((n = vmsplice(c->pipe[1], &iov, 1, 0)) < 0) return -1;
        for (ssize_t left = n; left > 0;) {
            ssize_t s = splice(c->pipe[0], NULL, c->fd, NULL, (size_t)left, SPLICE_F_MOVE);
            if (s < 0 && errno != EAGAIN) return -1;
            if (s > 0) left -= s;
        }
        done += (size_t)n;
    }
    return 0;
}

static void drop(struct conn *c)
{
    close(c->fd);
    if (c->pipe[0] > 0) { close(c->pipe[0]); close(c->pipe[1]); }
    free(c);
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: sendbench PORT MODE [LEN [FILE]]\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    int port = atoi(argv[1]);
    mode = atoi(argv[2]);
    len = argc > 3 ? strtoul(argv[3], NULL, 10) : 102400;
    head_len = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %zu\r\nAge: 1\r\n\r\n", len);
    char *bytes = malloc(len);
    memset(bytes, 'x', len);
    if (mode == COPY) {
        body = bytes;
    } else if (mode == VMSPLICE) {
        body = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memcpy(body, bytes, len);
    } else if (mode == VMSPLICE_HUGE) {
        // 2 MB aligned, so that the kernel can back it with whole huge pages
        size_t huge = 2u << 20, span = (len + huge - 1) / huge * huge;
        char *raw = mmap(NULL, span + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        body = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
        if (madvise(body, span, MADV_HUGEPAGE)) perror("madvise");
        memcpy(body, bytes, len);
    } else if (mode == FILE_SENDFILE) {
        if (argc < 5 || (body_fd = open(argv[4], O_RDONLY)) < 0) { perror("open FILE"); return 2; }
    } else {
        body_fd = memfd_create("sendbench-body", 0);
        if (write(body_fd, bytes, len) != (ssize_t)len) { perror("write memfd"); return 2; }
        if (mode == VMSPLICE_MEMFD) body = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, body_fd, 0);
    }

    int one = 1;
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(listener, (struct sockaddr *)&at, sizeof at) || listen(listener, 4096)) { perror("listen"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    struct epoll_event events[512];
    char buf[4096];
    for (;;) {
        int k = epoll_wait(ep, events, 512, -1);
        for (int i = 0; i < k; i++) {
            struct conn *c = events[i].data.ptr;
            if (c == NULL) {
                for (int fd; (fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0;) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c = calloc(1, sizeof *c);
                    c->fd = fd;
                    if (mode == VMSPLICE || mode == VMSPLICE_MEMFD || mode == VMSPLICE_HUGE) {
                        pipe2(c->pipe, O_NONBLOCK);
                        fcntl(c->pipe[1], F_SETPIPE_SZ, 256 * 1024);
                    }
                    struct epoll_event e = { .events = EPOLLIN | EPOLLET, .data.ptr = c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
                }
                continue;
            }
            for (;;) {
                ssize_t n = recv(c->fd, buf, sizeof buf, 0);
                if (n < 0 && errno == EAGAIN) break;
                if (n <= 0) { drop(c); break; }
                int requests = 0, failed = 0;
                for (ssize_t j = 0; j + 3 < n; j++) if (memcmp(buf + j, "\r\n\r\n", 4) == 0) requests++;
                for (int r = 0; r < requests && !failed; r++) failed = respond(c) != 0;
                if (failed) { drop(c); break; }
            }
        }
    }
}
