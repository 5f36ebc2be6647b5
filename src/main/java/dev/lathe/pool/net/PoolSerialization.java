package dev.lathe.pool.net;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.nio.serialization.DataSerializableFactory;

/**
 * How pool tasks cross the wire: {@link PoolTask} is Hazelcast's IdentifiedDataSerializable under one factory,
 * answers are strings, so Java serialization is never needed. Its filter is still set, allowing only
 * {@link PoolTask}, so a Java-serialized object someone else sends (a deserialization gadget) is refused.
 */
public final class PoolSerialization {
    /** Payloads and answers: tolerant of fields a newer Lathe adds, without nulls. */
    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    static final int FACTORY_ID = 0x1a7e;
    static final int TASK_CLASS_ID = 1;

    private PoolSerialization() {}

    /** Applies the factory and the filter; members and clients both use it. */
    public static void configure(SerializationConfig config) {
        DataSerializableFactory factory = id -> id == TASK_CLASS_ID ? new PoolTask() : null;
        config.addDataSerializableFactory(FACTORY_ID, factory);
        JavaSerializationFilterConfig filter = new JavaSerializationFilterConfig().setDefaultsDisabled(false);
        filter.getWhitelist().addClasses(PoolTask.class.getName());
        config.setJavaSerializationFilterConfig(filter);
    }
}
