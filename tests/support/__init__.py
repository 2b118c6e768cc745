"""What several test folders share: the random-program generators (used by the
lowering tests, the differential test and the front-end fuzzer) and their host
functions (:mod:`.hosts`)."""
