FROM busybox AS builder
ARG GREETING
RUN echo "$GREETING" > /out
