FROM busybox AS base
ARG A=1
ARG B=default
ENV E="é<&>" A=env
LABEL l=x
EXPOSE 80 443/UDP 80
HEALTHCHECK --interval=5s --retries=3 CMD true
COPY --chown=1:2 --chmod=644 a.txt /a
ONBUILD RUN x
FROM base
ARG A
ARG B
ARG A=3
RUN echo hi
CMD ["sh"]
