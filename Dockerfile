# Multi-stage: build a wheel, install it into a slim runtime as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY dialer ./dialer
COPY campaigns ./campaigns
COPY compliance ./compliance
COPY scoring ./scoring
COPY revenue ./revenue
COPY figures ./figures
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 dialer
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER dialer
WORKDIR /home/dialer
ENV DIALER_HOST=0.0.0.0 \
    DIALER_PORT=8080 \
    DIALER_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/readyz').status == 200 else 1)"
# DATABASE_URL must be set: the container never runs an embedded PostgreSQL. The role is
# the command: `dialer serve --no-engine` (web, the default), `dialer worker --port 8081`
# (engines), `dialer serve` (both, one box)
ENTRYPOINT ["sh", "-c", "test -n \"$DATABASE_URL\" || { echo 'dialer: error: set DATABASE_URL' >&2; exit 2; }; exec \"$@\"", "--"]
CMD ["dialer", "serve", "--no-engine"]
