FROM scratch
MAINTAINER Jo <jo@example.com>
USER 1:2
WORKDIR /app
VOLUME /data /logs
STOPSIGNAL SIGTERM
SHELL ["/bin/sh", "-ec"]
ENTRYPOINT ["/app/run"]
LABEL "a b"="c d" e=
