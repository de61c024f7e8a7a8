# Instructions for the stage that includes this file.
WORKDIR /notes
CMD ["sh", "-c", "cat /greeting; ls"]
