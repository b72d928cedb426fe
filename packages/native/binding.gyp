{
  "variables": {
    "sanitize%": ""
  },
  "targets": [
    {
      "target_name": "multiproc_native",
      "sources": [
        "csrc/addon.cc",
        "csrc/body.cc",
        "csrc/fd.cc",
        "csrc/futex.cc",
        "csrc/process.cc",
        "csrc/shm.cc",
        "csrc/socket.cc",
        "csrc/waiter.cc",
        "csrc/waiter_multi.cc",
        "csrc/waiter_threads.cc",
        "csrc/warm.cc"
      ],
      "cflags_cc": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-cast-function-type", "-pthread"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "MACOSX_DEPLOYMENT_TARGET": "11.0",
            "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra", "-Wno-unused-parameter"]
          }
        }],
        ["OS=='linux'", {
          "libraries": ["-lrt", "-ldl"]
        }],
        ["sanitize!=''", {
          "cflags_cc": ["-fsanitize=<(sanitize)", "-fno-omit-frame-pointer", "-g", "-O1"],
          "ldflags": ["-fsanitize=<(sanitize)"]
        }]
      ]
    }
  ]
}
