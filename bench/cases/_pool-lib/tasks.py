"""The pool benchmarks' task functions for CPython (the twins of tasks.cjs)."""


def square(x):
    return x * x


def burn(iterations):
    x = 1
    for _ in range(iterations):
        x = (x * 1103515245 + 12345) % 2147483648
    return x
