{
  "targets": [
    {
      "target_name": "goodhart_native",
      "sources": ["src/addon.cc", "src/gemm.cc", "src/optim.cc", "src/pool.cc", "src/ppo.cc"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-function"],
      "cflags": ["-O3", "-ffp-contract=off", "-fno-math-errno"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-ffp-contract=off", "-fno-math-errno"]
      }
    }
  ]
}
