# Two stages to choose from.
FROM busybox AS quiet
RUN echo "hello, world" > /greeting

FROM busybox AS loud
RUN echo "HELLO, WORLD" > /greeting
