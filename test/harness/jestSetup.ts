// Integration tests talk to real local components; give each test a minute before jest gives up.
jest.setTimeout(60_000);
