LABEL org.example.included=yes
WORKDIR /app
