package io.tapwire.socket;

import io.tapwire.event.Events;
import io.tapwire.event.Waiter;

/**
 * One socket registered with one {@link Poller} (epoll's {@code epitem}): the events of interest
 * with their mode flags, the attachment handed back with each event, and the link in the
 * poller's ready list. The socket's wait queue holds it, so the socket's wakeups reach it.
 */
public final class PollKey implements Waiter {
    final Poller poller;
    final Pollable socket;
    private volatile int interest;
    private volatile Object attachment;
    /** ONESHOT fired: reports nothing until {@link Poller#modify} re-arms it. */
    volatile boolean disabled;
    volatile boolean valid = true;
    // Ready-list state, guarded by the poller's lock.
    boolean queued;
    PollKey next;

    PollKey(Poller poller, Pollable socket, int interest, Object attachment) {
        this.poller = poller;
        this.socket = socket;
        this.interest = interest;
        this.attachment = attachment;
    }

    public Pollable socket() {
        return socket;
    }

    public Object attachment() {
        return attachment;
    }

    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    /** The events of interest and mode flags given at registration or the last modify. */
    public int interest() {
        return interest;
    }

    void setInterest(int events) {
        interest = events;
    }

    /** False once unregistered, or once the socket was closed. */
    public boolean isValid() {
        return valid;
    }

    /** Readiness bits this registration reports: its interest plus ERR and HUP, as epoll adds them. */
    int reportable() {
        return (interest & Events.READINESS) | Events.ALWAYS;
    }

    @Override
    public boolean wake(int events) {
        // ep_poll_callback: a disabled (fired ONESHOT) item and events nobody asked for are ignored.
        if (!valid || disabled || (events & reportable()) == 0) {
            return false;
        }
        return poller.enqueue(this);
    }

    @Override
    public boolean exclusive() {
        return (interest & Events.EXCLUSIVE) != 0;
    }

    @Override
    public void detached() {
        valid = false;
    }

    @Override
    public String toString() {
        return "PollKey[" + socket + " " + Events.toString(interest) + (disabled ? " disabled" : "") + "]";
    }
}
