// The CUDA emulator's runtime: launches a kernel over its grid and exports the kernels of one
// module to Python through a C ABI (loaded with ctypes by tests/cuda_emulator/_module.py).
//
// Included by the .cpp that tests/cuda_emulator/_build.py generates for a module, after the
// kernel source; that file then defines emu::kernels[] with one EMU_KERNEL(name expression) each.
//
// Threads of a block run in one of two ways, chosen per launch by the caller:
//   - in a loop, one thread after the other: for kernels that never call __syncthreads();
//   - cooperatively, as fibers on private stacks: each thread runs until it reaches
//     __syncthreads() or returns, then the next one resumes. When every thread still alive has
//     reached the barrier, they all go on (a thread that returned no longer counts, as on GPUs
//     since Volta). The order alternates between passes (0..n-1, then n-1..0), so that a read of
//     another thread's shared-memory write without a barrier in between sees a stale value one
//     way or the other, as a real GPU may.
// Everything runs on the calling OS thread; blocks run one after another; launches are
// serialized (a lock), as each __shared__ variable is one copy.
//
// Kept light on the standard library (no <string>, <vector>, <mutex>): it compiles once per kernel
// family, and the per-kernel code is one function that unpacks the arguments (run_thread).
#pragma once

#include <cuda_fp16.h>
#include <pthread.h>
#include <sys/mman.h>

#include <utility>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace emu {

// ---- fibers ------------------------------------------------------------------------------------
constexpr unsigned kMaxThreadsPerBlock = 1024;
constexpr size_t kFiberStackBytes = 256 * 1024;
constexpr size_t kGuardBytes = 4096;  // an inaccessible page below each stack: overflow faults

struct Fiber {
    uint3 index;
    bool finished;
    char* stack;  // the lowest usable byte; the stack grows down from stack + kFiberStackBytes
#if defined(__x86_64__)
    void* sp;
#else
    ucontext_t context;
#endif
};

struct Launch {
    void (*thread)(void* args);  // runs the kernel for thread_index
    void* args;
    bool cooperative;
    const char* error;  // set by a failing fiber
    Fiber* running;
#if defined(__x86_64__)
    void* scheduler_sp;
#else
    ucontext_t scheduler_context;
#endif
};
inline Launch current;
inline Fiber fibers[kMaxThreadsPerBlock];

}  // namespace emu

#if defined(__x86_64__)
// emu_fiber_switch(void** save_sp, void* load_sp): pushes the callee-saved registers, stores the
// stack pointer in *save_sp, loads load_sp and pops the other context's registers. A context
// switch without the signal-mask system call of swapcontext (much faster).
extern "C" void emu_fiber_switch(void** save_sp, void* load_sp);
asm(R"(
    .text
    .globl emu_fiber_switch
    .hidden emu_fiber_switch
    .type emu_fiber_switch, @function
emu_fiber_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size emu_fiber_switch, .-emu_fiber_switch
)");
#endif

namespace emu {

inline void switch_to_scheduler() {
#if defined(__x86_64__)
    emu_fiber_switch(&current.running->sp, current.scheduler_sp);
#else
    swapcontext(&current.running->context, &current.scheduler_context);
#endif
}

[[noreturn]] inline void fiber_main() {
    try {
        current.thread(current.args);
    } catch (const char* message) {
        current.error = message;
    } catch (...) {
        current.error = "a C++ exception escaped a kernel thread";
    }
    current.running->finished = true;
    switch_to_scheduler();
    __builtin_unreachable();  // a finished fiber is never resumed
}

inline void start_fiber(Fiber& f) {
    if (f.stack == nullptr) {
        void* memory = mmap(nullptr, kGuardBytes + kFiberStackBytes, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (memory == MAP_FAILED) throw "mmap of a fiber stack failed";
        if (mprotect(memory, kGuardBytes, PROT_NONE) != 0) throw "mprotect of a stack guard failed";
        f.stack = static_cast<char*>(memory) + kGuardBytes;
    }
    f.finished = false;
#if defined(__x86_64__)
    // The frame emu_fiber_switch pops: six registers, then fiber_main as the return address;
    // above it a null return address for fiber_main, so that it starts as if called.
    void** frame = reinterpret_cast<void**>(f.stack + kFiberStackBytes) - 8;
    for (int i = 0; i < 6; ++i) frame[i] = nullptr;
    frame[6] = reinterpret_cast<void*>(&fiber_main);
    frame[7] = nullptr;
    f.sp = frame;
#else
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack;
    f.context.uc_stack.ss_size = kFiberStackBytes;
    f.context.uc_link = nullptr;
    makecontext(&f.context, &fiber_main, 0);
#endif
}

inline void resume(Fiber& f) {
    current.running = &f;
    thread_index = f.index;
#if defined(__x86_64__)
    emu_fiber_switch(&current.scheduler_sp, f.sp);
#else
    swapcontext(&current.scheduler_context, &f.context);
#endif
}

// __syncthreads(): back to the scheduler, which resumes this thread when the block has arrived.
inline void block_barrier() {
    if (!current.cooperative) {
        throw "__syncthreads() called in a launch whose threads run one after another (the "
              "module was built with cooperative=False, or the call is hidden from its source)";
    }
    switch_to_scheduler();
}

// Runs the current block's threads as fibers until every one of them has returned.
inline void run_block_cooperatively() {
    const dim3 b = block_dim;
    const unsigned count = b.x * b.y * b.z;
    unsigned t = 0;
    for (unsigned z = 0; z < b.z; ++z)
        for (unsigned y = 0; y < b.y; ++y)
            for (unsigned x = 0; x < b.x; ++x, ++t) {
                fibers[t].index = uint3{x, y, z};
                start_fiber(fibers[t]);
            }
    unsigned alive = count;
    for (bool forward = true; alive > 0; forward = !forward) {
        for (unsigned k = 0; k < count; ++k) {
            Fiber& f = fibers[forward ? k : count - 1 - k];
            if (f.finished) continue;
            resume(f);
            if (f.finished) --alive;
        }
    }
    if (current.error != nullptr) throw current.error;
}

inline void run_grid() {
    const dim3 g = grid_dim, b = block_dim;
    if (b.x * b.y * b.z > kMaxThreadsPerBlock) throw "more than 1024 threads per block";
    for (unsigned bz = 0; bz < g.z; ++bz)
        for (unsigned by = 0; by < g.y; ++by)
            for (unsigned bx = 0; bx < g.x; ++bx) {
                block_index = uint3{bx, by, bz};
                if (current.cooperative) {
                    run_block_cooperatively();
                    continue;
                }
                for (unsigned z = 0; z < b.z; ++z)
                    for (unsigned y = 0; y < b.y; ++y)
                        for (unsigned x = 0; x < b.x; ++x) {
                            thread_index = uint3{x, y, z};
                            current.thread(current.args);
                        }
            }
}

// ---- kernels and their signatures, as Python reads them -------------------------------------
// Appends to a caller's buffer, truncating; `length` counts everything, so the caller can retry.
struct Text {
    char* data;
    size_t capacity;
    size_t length = 0;

    Text& operator<<(const char* s) {
        for (; *s; ++s, ++length)
            if (length + 1 < capacity) data[length] = *s;
        if (capacity > 0) data[length + 1 < capacity ? length : capacity - 1] = '\0';
        return *this;
    }
    Text& operator<<(size_t n) {
        char digits[24];
        snprintf(digits, sizeof digits, "%zu", n);
        return *this << digits;
    }
};

template <class T>
void type_name(Text& out) {
    if constexpr (std::is_const_v<T> && std::is_pointer_v<T>) {  // T = U* const
        type_name<std::remove_const_t<T>>(out);
        out << " const";
    } else if constexpr (std::is_const_v<T>) {
        out << "const ";
        type_name<std::remove_const_t<T>>(out);
    } else if constexpr (std::is_volatile_v<T>) {
        out << "volatile ";
        type_name<std::remove_volatile_t<T>>(out);
    } else if constexpr (std::is_pointer_v<T>) {
        type_name<std::remove_pointer_t<T>>(out);
        out << "*";
    }
#define EMU_NAME(type) else if constexpr (std::is_same_v<T, type>) out << #type;
    EMU_NAME(void) EMU_NAME(bool) EMU_NAME(char) EMU_NAME(signed char) EMU_NAME(unsigned char)
    EMU_NAME(short) EMU_NAME(unsigned short) EMU_NAME(int) EMU_NAME(unsigned int) EMU_NAME(long)
    EMU_NAME(unsigned long) EMU_NAME(long long) EMU_NAME(unsigned long long) EMU_NAME(float)
    EMU_NAME(double) EMU_NAME(__half)
#undef EMU_NAME
    else out << "a " << sizeof(T) << "-byte struct";
}

// numpy's typestr without the byte order ("f4", "i8", "b1"), "P8" for a pointer, "V<size>" else.
template <class T>
void typestr(Text& out) {
    using U = std::remove_cv_t<T>;
    if constexpr (std::is_pointer_v<U>) out << "P" << sizeof(U);
    else if constexpr (std::is_void_v<U>) out << "V0";
    else if constexpr (std::is_same_v<U, __half>) out << "f2";
    else if constexpr (std::is_same_v<U, bool>) out << "b1";
    else if constexpr (std::is_floating_point_v<U>) out << "f" << sizeof(U);
    else if constexpr (std::is_integral_v<U>) out << (std::is_signed_v<U> ? "i" : "u") << sizeof(U);
    else out << "V" << sizeof(U);
}

// One line per parameter: "C++ type<TAB>typestr[<TAB>pointee typestr<TAB>const|mutable]".
template <class A>
void describe_param(Text& out) {
    type_name<A>(out);
    out << "\t";
    typestr<A>(out);
    if constexpr (std::is_pointer_v<A>) {
        using Pointee = std::remove_pointer_t<A>;
        out << "\t";
        typestr<Pointee>(out);
        out << (std::is_const_v<Pointee> ? "\tconst" : "\tmutable");
    }
    out << "\n";
}

using Describer = void (*)(Text&);

template <class... Args>
struct Params {
    static constexpr Describer describers[] = {&describe_param<Args>..., nullptr};
};

template <class... Args>
constexpr const Describer* params_of(void (*)(Args...)) {
    return Params<Args...>::describers;
}

// Calls the kernel with each argument read from args[i], as cudaLaunchKernel does.
template <class... Args, size_t... I>
inline void call(void (*kernel)(Args...), void** args, std::index_sequence<I...>) {
    kernel(*static_cast<Args*>(args[I])...);
}

template <class... Args>
constexpr std::index_sequence_for<Args...> indices_of(void (*)(Args...)) {
    return {};
}

template <auto kernel>
void run_thread(void* args) {
    call(kernel, static_cast<void**>(args), indices_of(kernel));
}

struct Kernel {
    void (*thread)(void* args);
    const Describer* params;  // null-terminated
};

extern const Kernel kernels[];  // defined by the generated module source
inline pthread_mutex_t launch_lock = PTHREAD_MUTEX_INITIALIZER;

}  // namespace emu

#define EMU_KERNEL(...) \
    emu::Kernel { &emu::run_thread<&__VA_ARGS__>, emu::params_of(&__VA_ARGS__) }

// ---- the C ABI ---------------------------------------------------------------------------------
extern "C" {
// Writes the signature of kernel `index` into out (NUL-terminated); returns its full length.
size_t emu_kernel_signature(int index, char* out, size_t capacity) {
    emu::Text text{out, capacity};
    for (const emu::Describer* d = emu::kernels[index].params; *d != nullptr; ++d) (*d)(text);
    return text.length;
}

// Launches kernel `index` over grid x block with the arguments args[i] (pointers to each
// argument's value); returns 0, or 1 with a message in error.
int emu_launch(int index, const unsigned int* grid, const unsigned int* block, void** args,
               int cooperative, char* error, size_t error_capacity) {
    pthread_mutex_lock(&emu::launch_lock);
    int status = 0;
    emu::grid_dim = dim3(grid[0], grid[1], grid[2]);
    emu::block_dim = dim3(block[0], block[1], block[2]);
    emu::current = emu::Launch{};
    emu::current.thread = emu::kernels[index].thread;
    emu::current.args = args;
    emu::current.cooperative = cooperative != 0;
    try {
        emu::run_grid();
    } catch (const char* message) {
        emu::Text{error, error_capacity} << message;
        status = 1;
    }
    pthread_mutex_unlock(&emu::launch_lock);
    return status;
}
}
