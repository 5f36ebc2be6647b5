package dev.lathe.pool.schedule;

/** The device is alive but will not measure for this client: a wrong token, another study's files, a setup it cannot run. */
public final class DeviceRefusedException extends Exception {
    public DeviceRefusedException(String message) {
        super(message);
    }
}
